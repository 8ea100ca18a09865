package provider

import (
	"context"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

// deploymentClients hands the provider's AWS clients to internal/deployment;
// the resource and the data sources share it.
func deploymentClients(c *conns.AWSClient) *deployment.Clients {
	return &deployment.Clients{
		EC2: c.EC2(), EFS: c.EFS(), ELBV2: c.ELBV2(), CloudFront: c.CloudFront(), IAM: c.IAM(), SSM: c.SSM(), Route53: c.Route53(),
		ACM: c.ACM, ServiceQuotas: c.ServiceQuotas, WAFV2: c.WAFV2(),
		Region: c.Region, Account: accountOf(c), Partition: c.Partition(), LeaseTTL: c.LeaseTTL,
		Catalog: catalogFor(c),
	}
}

// accountOf asks STS for the caller's account when the deployment first
// needs it (a new role's policy); nil under skip_requesting_account_id.
func accountOf(c *conns.AWSClient) func(context.Context) (string, error) {
	if c.SkipsAccountID() {
		return nil
	}
	return func(ctx context.Context) (string, error) {
		id, err := c.Caller(ctx)
		return id.AccountID, err
	}
}

// catalogFor is the configured client's deployment.Catalog. Terraform
// configures the provider once per walk (once per process), so the apply's
// re-plan and its create share what EC2 said about the instance type and
// image, and the next command asks again.
func catalogFor(c *conns.AWSClient) *deployment.Catalog {
	k, _ := c.Shared.LoadOrStore("catalog", deployment.NewCatalog())
	return k.(*deployment.Catalog)
}
