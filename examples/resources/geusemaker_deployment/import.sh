# Import a deployment by its name: every component is found by its
# geusemaker:deployment tag.
terraform import geusemaker_deployment.gpu ai-gpu

# Migrate a deployment made by the GeuseMaker CLI from its state file.
terraform import geusemaker_deployment.gpu legacy:~/.geusemaker/deployments/ai-gpu.json
