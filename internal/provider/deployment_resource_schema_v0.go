package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// deploymentSchemaV0 is version 0 of geusemaker_deployment's state, FROZEN:
// it only decodes states written by releases before schema version 1, so it
// must never change, nor call helpers shared with the current schema (a
// change there would silently change how old states are read).
//
// Version 0 covered tiers 1 and 2 and named things after the GeuseMaker
// CLI's state file: tier as "dev"/"automation"/"gpu", keypair_name, n8n_url,
// alb_dns, cloudfront_id/cloudfront_domain, a single efs_mount_target_id
// next to the list, the load balancer's certificate_arn and alb_domain_name
// at the top level, https_endpoint, auto_rollback_on_failure. It had no GPU
// attributes, no CloudFront status, ARN or hosted zone, no origin
// protection, no cost estimate, no cdn or load_balancer blocks, no
// wait_for_ready and no service_urls. A tier "gpu" deployment recorded only
// the distribution's id and domain.
//
// Validators, plan modifiers and defaults are left out on purpose: a prior
// schema is only used to decode stored state.
func deploymentSchemaV0() schema.Schema {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: desc}
	}
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	list := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	return schema.Schema{
		Version:             0,
		MarkdownDescription: "A GeuseMaker AI stack on AWS (schema version 0: tiers 1 and 2, the CLI's field names).",
		Attributes: map[string]schema.Attribute{
			"id":   computed("The deployment name."),
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Deployment name."},
			"tier": str("`dev` (instance + EFS), `automation` (+ load balancer) or `gpu` (+ CloudFront, preview)."),

			"instance_type":    str("EC2 instance type."),
			"ami_id":           str("AMI of the instance."),
			"keypair_name":     schema.StringAttribute{Optional: true, MarkdownDescription: "EC2 key pair."},
			"root_volume_size": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: "Root volume size in GiB."},

			"vpc_id":              str("VPC of the deployment."),
			"subnet_ids":          list("Subnets of the deployment."),
			"vpc_cidr":            str("CIDR block of the dedicated VPC."),
			"allowed_cidr_blocks": list("Networks allowed to reach the stack."),
			"ssh_cidr_blocks":     list("Networks allowed to SSH to the instance."),
			"services":            list("Services to run."),
			"ollama_models":       list("Ollama models to pull."),

			"efs": schema.SingleNestedAttribute{Optional: true, Computed: true, MarkdownDescription: "EFS settings.",
				Attributes: map[string]schema.Attribute{
					"performance_mode": str("EFS performance mode."),
					"throughput_mode":  str("EFS throughput mode."),
				}},
			"certificate_arn":          schema.StringAttribute{Optional: true, MarkdownDescription: "ACM certificate of the load balancer's HTTPS listener."},
			"alb_domain_name":          schema.StringAttribute{Optional: true, MarkdownDescription: "Domain the certificate covers."},
			"auto_rollback_on_failure": schema.BoolAttribute{Optional: true, Computed: true, MarkdownDescription: "Delete what a failed create made."},
			"tags":                     schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Tags."},
			"tags_all":                 schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Provider default tags merged with tags."},
			"timeouts": schema.SingleNestedAttribute{Optional: true, MarkdownDescription: "Operation timeouts.",
				Attributes: map[string]schema.Attribute{
					"create": schema.StringAttribute{Optional: true, MarkdownDescription: "Create timeout."},
					"update": schema.StringAttribute{Optional: true, MarkdownDescription: "Update timeout."},
					"delete": schema.StringAttribute{Optional: true, MarkdownDescription: "Delete timeout."},
				}},

			"status":                    computed("Deployment status."),
			"n8n_url":                   computed("Public URL of n8n."),
			"https_endpoint":            computed("The HTTPS URL when the load balancer has a certificate."),
			"security_group_id":         computed("Security group of the instance."),
			"efs_security_group_id":     computed("Security group of the EFS mount targets."),
			"alb_security_group_id":     computed("Security group of the load balancer."),
			"internet_gateway_id":       computed("Internet gateway of the dedicated VPC."),
			"route_table_id":            computed("Route table of the dedicated VPC."),
			"iam_role_name":             computed("IAM role of the instance."),
			"iam_instance_profile_name": computed("Instance profile of the instance."),
			"efs_id":                    computed("EFS file system id."),
			"efs_mount_target_id":       computed("The mount target in the instance's availability zone."),
			"efs_mount_target_ids":      schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Every EFS mount target."},
			"instance_id":               computed("EC2 instance id."),
			"private_ip":                computed("Private IPv4 address."),
			"public_ip":                 computed("Public IPv4 address."),
			"availability_zone":         computed("Availability zone of the instance."),
			"alb_arn":                   computed("ARN of the load balancer."),
			"alb_dns":                   computed("DNS name of the load balancer."),
			"alb_zone_id":               computed("Hosted zone of the load balancer."),
			"target_group_arn":          computed("ARN of the target group."),
			"listener_arns":             schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Listener ARNs."},
			"cloudfront_id":             computed("CloudFront distribution id (tier gpu)."),
			"cloudfront_domain":         computed("CloudFront domain (tier gpu)."),
		},
	}
}
