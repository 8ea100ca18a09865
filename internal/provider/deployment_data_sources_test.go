package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
)

const (
	dsDevAddr = "geusemaker_deployment.dev"
	dsCDNAddr = "geusemaker_deployment.cdn"
	dsAll     = "data.geusemaker_deployments.all"
	dsTier3   = "data.geusemaker_deployments.tier3"
	dsStopped = "data.geusemaker_deployments.stopped"
	dsInspect = "data.geusemaker_deployment.cdn"
	dsInspDev = "data.geusemaker_deployment.dev"
)

// Two deployments of different tiers in one region: a tier-1 CPU stack and a
// tier-3 GPU stack behind CloudFront.
const twoDeployments = `
resource "geusemaker_deployment" "dev" {
  name = "ds-dev"
}

resource "geusemaker_deployment" "cdn" {
  name          = "ds-cdn"
  tier          = 3
  instance_type = "g5.xlarge"
}
`

const readBoth = `
data "geusemaker_deployments" "all" {
  depends_on = [geusemaker_deployment.dev, geusemaker_deployment.cdn]
}

data "geusemaker_deployments" "tier3" {
  tier       = 3
  depends_on = [geusemaker_deployment.dev, geusemaker_deployment.cdn]
}

data "geusemaker_deployments" "stopped" {
  status     = "stopped"
  depends_on = [geusemaker_deployment.dev, geusemaker_deployment.cdn]
}

data "geusemaker_deployment" "cdn" {
  name = geusemaker_deployment.cdn.name
}

data "geusemaker_deployment" "dev" {
  name = geusemaker_deployment.dev.name
}
`

func listed(addr string, i int, attr string) tfjsonpath.Path {
	return tfjsonpath.New("deployments").AtSliceIndex(i).AtMapKey(attr)
}

// sameAsResource compares attributes of a data source with the resource's.
func sameAsResource(dataAddr, resourceAddr string, attrs ...string) []statecheck.StateCheck {
	var out []statecheck.StateCheck
	for _, a := range attrs {
		out = append(out, statecheck.CompareValuePairs(dataAddr, tfjsonpath.New(a), resourceAddr, tfjsonpath.New(a), compare.ValuesSame()))
	}
	return out
}

var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

func TestAccDeploymentDataSources_listAndInspect(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})

	listChecks := []statecheck.StateCheck{
		// Both deployments, sorted by name; CloudFront only on tier 3.
		statecheck.ExpectKnownValue(dsAll, tfjsonpath.New("names"), knownvalue.ListExact([]knownvalue.Check{
			knownvalue.StringExact("ds-cdn"), knownvalue.StringExact("ds-dev")})),
		statecheck.ExpectKnownValue(dsAll, tfjsonpath.New("deployments"), knownvalue.ListExact([]knownvalue.Check{
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"name":                   knownvalue.StringExact("ds-cdn"),
				"tier":                   knownvalue.Int64Exact(3),
				"status":                 knownvalue.StringExact("running"),
				"url":                    knownvalue.StringRegexp(regexp.MustCompile(`^https://d[a-z0-9]+\.cloudfront\.net$`)),
				"cloudfront_domain_name": knownvalue.StringRegexp(regexp.MustCompile(`^d[a-z0-9]+\.cloudfront\.net$`)),
				"gpu_enabled":            knownvalue.Bool(true),
				"instance_type":          knownvalue.StringExact("g5.xlarge"),
				"instance_id":            knownvalue.StringRegexp(regexp.MustCompile(`^i-`)),
				"created_at":             knownvalue.StringRegexp(rfc3339),
			}),
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"name":                   knownvalue.StringExact("ds-dev"),
				"tier":                   knownvalue.Int64Exact(1),
				"status":                 knownvalue.StringExact("running"),
				"url":                    knownvalue.StringRegexp(regexp.MustCompile(`^http://`)),
				"cloudfront_domain_name": knownvalue.Null(),
				"gpu_enabled":            knownvalue.Bool(false),
				"instance_type":          knownvalue.StringExact("t3.large"),
				"instance_id":            knownvalue.StringRegexp(regexp.MustCompile(`^i-`)),
				"created_at":             knownvalue.StringRegexp(rfc3339),
			}),
		})),
		// The listing's facts are the resources' own.
		statecheck.CompareValuePairs(dsAll, listed(dsAll, 0, "instance_id"), dsCDNAddr, tfjsonpath.New("instance_id"), compare.ValuesSame()),
		statecheck.CompareValuePairs(dsAll, listed(dsAll, 0, "cloudfront_domain_name"), dsCDNAddr, tfjsonpath.New("cloudfront_domain_name"), compare.ValuesSame()),
		statecheck.CompareValuePairs(dsAll, listed(dsAll, 0, "url"), dsCDNAddr, tfjsonpath.New("url"), compare.ValuesSame()),
		statecheck.CompareValuePairs(dsAll, listed(dsAll, 0, "gpu_enabled"), dsCDNAddr, tfjsonpath.New("gpu_enabled"), compare.ValuesSame()),
		statecheck.CompareValuePairs(dsAll, listed(dsAll, 1, "instance_id"), dsDevAddr, tfjsonpath.New("instance_id"), compare.ValuesSame()),
		statecheck.CompareValuePairs(dsAll, listed(dsAll, 1, "url"), dsDevAddr, tfjsonpath.New("url"), compare.ValuesSame()),
		statecheck.CompareValuePairs(dsAll, listed(dsAll, 1, "status"), dsDevAddr, tfjsonpath.New("status"), compare.ValuesSame()),
		// The filters.
		statecheck.ExpectKnownValue(dsTier3, tfjsonpath.New("names"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("ds-cdn")})),
		statecheck.ExpectKnownValue(dsTier3, tfjsonpath.New("deployments"), knownvalue.ListSizeExact(1)),
		statecheck.ExpectKnownValue(dsStopped, tfjsonpath.New("names"), knownvalue.ListExact([]knownvalue.Check{})),
		statecheck.ExpectKnownValue(dsStopped, tfjsonpath.New("deployments"), knownvalue.ListExact([]knownvalue.Check{})),
	}

	inspectChecks := append(
		// Every attribute the resource knows, the same.
		sameAsResource(dsInspect, dsCDNAddr, "id", "tier", "instance_type", "gpu", "ami_id", "root_volume_size", "vpc_id", "subnet_ids", "vpc_cidr",
			"allowed_cidr_blocks", "ssh_cidr_blocks", "services", "ollama_models", "efs", "load_balancer", "cdn", "tags", "tags_all",
			"status", "url", "service_urls", "security_group_id", "efs_security_group_id", "alb_security_group_id", "internet_gateway_id",
			"route_table_id", "iam_role_name", "iam_instance_profile_name", "efs_id", "efs_mount_target_ids", "instance_id", "private_ip",
			"public_ip", "availability_zone", "alb_arn", "alb_dns_name", "alb_zone_id", "target_group_arn", "listener_arns",
			"cloudfront_distribution_id", "cloudfront_domain_name", "cloudfront_status", "cloudfront_arn", "cloudfront_hosted_zone_id",
			"origin_verify_header_value", "gpu_enabled", "gpu_instance_type", "gpu_ami_id", "gpu_model", "gpu_count", "gpu_memory_mib",
			"gpu_health_status", "estimated_hourly_cost", "estimated_monthly_cost", "cost_breakdown"),
		statecheck.ExpectKnownValue(dsInspect, tfjsonpath.New("cloudfront_status"), knownvalue.StringExact("Deployed")),
		statecheck.ExpectKnownValue(dsInspect, tfjsonpath.New("gpu_health_status"), knownvalue.StringExact("healthy")),
		statecheck.ExpectKnownValue(dsInspect, tfjsonpath.New("gpu_count"), knownvalue.Int64Exact(1)),
		statecheck.ExpectKnownValue(dsInspect, tfjsonpath.New("gpu_memory_mib"), knownvalue.Int64Exact(24576)),
		// The live CloudFront configuration.
		statecheck.ExpectKnownValue(dsInspect, tfjsonpath.New("cloudfront_origin"), knownvalue.ObjectExact(map[string]knownvalue.Check{
			"domain_name":          knownvalue.StringRegexp(regexp.MustCompile(`^ds-cdn-alb-.*\.elb\.amazonaws\.com$`)),
			"protocol_policy":      knownvalue.StringExact("http-only"),
			"read_timeout_seconds": knownvalue.Int64Exact(60),
		})),
		statecheck.CompareValuePairs(dsInspect, tfjsonpath.New("cloudfront_origin").AtMapKey("domain_name"), dsCDNAddr, tfjsonpath.New("alb_dns_name"), compare.ValuesSame()),
		statecheck.ExpectKnownValue(dsInspect, tfjsonpath.New("cloudfront_cache_behaviors"), knownvalue.ListExact([]knownvalue.Check{
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"path_pattern":             knownvalue.StringExact("*"),
				"cache_policy_id":          knownvalue.StringExact("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
				"origin_request_policy_id": knownvalue.StringExact("216adef6-5c7f-47e4-b989-5492eafa07d3"),
				"viewer_protocol_policy":   knownvalue.StringExact("redirect-to-https"),
			}),
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"path_pattern":             knownvalue.StringExact("/assets/*"),
				"cache_policy_id":          knownvalue.StringExact("658327ea-f89d-4fab-a63d-7e88639e58f6"),
				"origin_request_policy_id": knownvalue.Null(),
				"viewer_protocol_policy":   knownvalue.StringExact("redirect-to-https"),
			}),
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"path_pattern":             knownvalue.StringExact("/static/*"),
				"cache_policy_id":          knownvalue.StringExact("658327ea-f89d-4fab-a63d-7e88639e58f6"),
				"origin_request_policy_id": knownvalue.Null(),
				"viewer_protocol_policy":   knownvalue.StringExact("redirect-to-https"),
			}),
		})),
		// Tier 1: no CloudFront, no GPU.
		statecheck.CompareValuePairs(dsInspDev, tfjsonpath.New("instance_id"), dsDevAddr, tfjsonpath.New("instance_id"), compare.ValuesSame()),
		statecheck.CompareValuePairs(dsInspDev, tfjsonpath.New("url"), dsDevAddr, tfjsonpath.New("url"), compare.ValuesSame()),
		statecheck.ExpectKnownValue(dsInspDev, tfjsonpath.New("tier"), knownvalue.Int64Exact(1)),
		statecheck.ExpectKnownValue(dsInspDev, tfjsonpath.New("cloudfront_origin"), knownvalue.Null()),
		statecheck.ExpectKnownValue(dsInspDev, tfjsonpath.New("cloudfront_cache_behaviors"), knownvalue.Null()),
		statecheck.ExpectKnownValue(dsInspDev, tfjsonpath.New("cloudfront_domain_name"), knownvalue.Null()),
		statecheck.ExpectKnownValue(dsInspDev, tfjsonpath.New("gpu_model"), knownvalue.Null()),
	)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: provider + twoDeployments,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dsCDNAddr, tfjsonpath.New("cloudfront_domain_name"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(dsCDNAddr, tfjsonpath.New("gpu_enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(dsDevAddr, tfjsonpath.New("tier"), knownvalue.Int64Exact(1)),
				},
			},
			{
				Config:            provider + twoDeployments + readBoth,
				ConfigStateChecks: append(listChecks, inspectChecks...),
			},
		},
	})
}

func TestAccDeploymentDataSources_emptyRegionAndNotFound(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{Region: "eu-west-1"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: provider + `data "geusemaker_deployments" "none" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.geusemaker_deployments.none", tfjsonpath.New("names"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue("data.geusemaker_deployments.none", tfjsonpath.New("deployments"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
			{
				Config:      provider + `data "geusemaker_deployment" "missing" { name = "nope" }`,
				ExpectError: regexp.MustCompile(`(?s)GeuseMaker deployment not found.*no deployment named "nope" in eu-west-1.*geusemaker_deployments`),
			},
		},
	})
}
