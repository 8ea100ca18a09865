# A GPU instance on Spot, at about a third to a half of the on-demand price.
# The data lives on EFS: if AWS reclaims the instance, the next apply
# launches a new one on the same data. Without Spot capacity in any zone the
# instance runs on-demand and the apply warns.
resource "geusemaker_deployment" "spot" {
  name          = "ai-spot"
  tier          = 2
  instance_type = "g5.xlarge"

  capacity = {
    market             = "spot"
    on_demand_fallback = true
    max_spot_price     = 0.6 # USD per hour; unset, the on-demand price
  }
}

output "instance_lifecycle" {
  value = geusemaker_deployment.spot.instance_lifecycle # "spot", or "on-demand" after a fallback
}

output "spot_price" {
  value = geusemaker_deployment.spot.spot_price
}
