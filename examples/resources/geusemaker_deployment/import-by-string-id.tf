import {
  to = geusemaker_deployment.gpu
  id = "ai-gpu"
}
