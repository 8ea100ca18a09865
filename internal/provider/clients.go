package provider

import (
	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

// deploymentClients hands the provider's AWS clients to internal/deployment;
// the resource and the data sources share it.
func deploymentClients(c *conns.AWSClient) *deployment.Clients {
	return &deployment.Clients{
		EC2: c.EC2(), EFS: c.EFS(), ELBV2: c.ELBV2(), CloudFront: c.CloudFront(), IAM: c.IAM(), SSM: c.SSM(), Route53: c.Route53(),
		ACM: c.ACM, ServiceQuotas: c.ServiceQuotas, WAFV2: c.WAFV2(),
		Region: c.Region, AccountID: c.AccountID, Partition: c.Partition(), LeaseTTL: c.LeaseTTL,
	}
}
