// Package wafv2 reads the web ACL a deployment's CloudFront distribution is
// given, to check it at plan time.
package wafv2

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	awstypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// FindWebACLByARN reads a web ACL by its ARN (conn must be in the ACL's
// region: us-east-1 for scope CLOUDFRONT), or returns a retry.NotFoundError
// for WAFNonexistentItemException.
func FindWebACLByARN(ctx context.Context, conn *wafv2.Client, arn string) (*awstypes.WebACL, error) {
	out, err := conn.GetWebACL(ctx, &wafv2.GetWebACLInput{ARN: aws.String(arn)})
	if errs.IsA[*awstypes.WAFNonexistentItemException](err) {
		return nil, &retry.NotFoundError{LastError: err, Message: fmt.Sprintf("WAFv2 web ACL %s not found", arn)}
	}
	if err != nil {
		return nil, fmt.Errorf("reading WAFv2 web ACL (%s): %w", arn, err)
	}
	if out == nil || out.WebACL == nil {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("WAFv2 web ACL %s not found (empty result)", arn)}
	}
	return out.WebACL, nil
}
