package deployment

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfacm "github.com/geusemaker/terraform-provider-geusemaker/internal/service/acm"
)

// CheckCertificate verifies at plan time that an ACM certificate exists in
// its region, is issued, and covers every name.
func CheckCertificate(ctx context.Context, c *Clients, attrPath, arn, region string, names []string) error {
	cert, err := tfacm.FindCertificateByARN(ctx, c.ACM(region), arn)
	if retry.NotFound(err) {
		return &FieldError{Path: attrPath, Summary: "Certificate not found", Detail: fmt.Sprintf("ACM certificate %s does not exist in %s.", arn, region)}
	}
	if err != nil {
		return err
	}
	if cert.Status != acmtypes.CertificateStatusIssued {
		return &FieldError{Path: attrPath, Summary: "Certificate not issued",
			Detail: fmt.Sprintf("ACM certificate %s is %s; it must be ISSUED (finish its DNS validation first).", arn, cert.Status)}
	}
	covered := append([]string{aws.ToString(cert.DomainName)}, cert.SubjectAlternativeNames...)
	for _, n := range names {
		if n != "" && !covers(covered, n) {
			return &FieldError{Path: attrPath, Summary: "Certificate does not cover the name",
				Detail: fmt.Sprintf("ACM certificate %s covers %s, not %s.", arn, strings.Join(covered, ", "), n)}
		}
	}
	return nil
}

// covers applies TLS name matching: exact, or one-label wildcards.
func covers(patterns []string, name string) bool {
	name = strings.ToLower(name)
	for _, p := range patterns {
		p = strings.ToLower(p)
		if p == name {
			return true
		}
		if rest, ok := strings.CutPrefix(p, "*."); ok {
			if i := strings.IndexByte(name, '.'); i > 0 && name[i+1:] == rest {
				return true
			}
		}
	}
	return false
}
