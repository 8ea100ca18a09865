// Package acm wraps the ACM reads the deployment makes to check the
// certificate a user hands to the load balancer or the CDN.
package acm

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	awstypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// FindCertificateByARN describes a certificate, or returns a
// retry.NotFoundError for ResourceNotFoundException.
func FindCertificateByARN(ctx context.Context, conn *acm.Client, arn string) (*awstypes.CertificateDetail, error) {
	out, err := conn.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if errs.IsA[*awstypes.ResourceNotFoundException](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading ACM certificate (%s): %w", arn, err)
	}
	if out == nil || out.Certificate == nil {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("ACM certificate %s not found (empty result)", arn)}
	}
	return out.Certificate, nil
}
