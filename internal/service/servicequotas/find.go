// Package servicequotas reads the quotas the plan-time checks compare a
// deployment with.
package servicequotas

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	awstypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// FindQuotaValue returns the value in force for a quota: the applied value,
// or AWS's default for a quota that was never changed (Service Quotas
// answers NoSuchResourceException from GetServiceQuota for some of those,
// the VPC quotas among them). applied says which it is. An unknown quota is
// a retry.NotFoundError.
func FindQuotaValue(ctx context.Context, conn *servicequotas.Client, serviceCode, quotaCode string) (value float64, applied bool, err error) {
	out, err := conn.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(serviceCode), QuotaCode: aws.String(quotaCode)})
	if err == nil && out.Quota != nil && out.Quota.Value != nil {
		return aws.ToFloat64(out.Quota.Value), true, nil
	}
	if err != nil && !errs.IsA[*awstypes.NoSuchResourceException](err) {
		return 0, false, fmt.Errorf("reading Service Quota %s/%s: %w", serviceCode, quotaCode, err)
	}
	def, err := conn.GetAWSDefaultServiceQuota(ctx, &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: aws.String(serviceCode), QuotaCode: aws.String(quotaCode)})
	if errs.IsA[*awstypes.NoSuchResourceException](err) {
		return 0, false, &retry.NotFoundError{LastError: err, Message: fmt.Sprintf("Service Quota %s/%s not found", serviceCode, quotaCode)}
	}
	if err != nil {
		return 0, false, fmt.Errorf("reading the default of Service Quota %s/%s: %w", serviceCode, quotaCode, err)
	}
	if def.Quota == nil || def.Quota.Value == nil {
		return 0, false, &retry.NotFoundError{Message: fmt.Sprintf("Service Quota %s/%s has no value", serviceCode, quotaCode)}
	}
	return aws.ToFloat64(def.Quota.Value), false, nil
}
