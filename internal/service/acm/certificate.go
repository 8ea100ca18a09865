package acm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	awstypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// Certificate statuses.
const (
	StatusPendingValidation = string(awstypes.CertificateStatusPendingValidation)
	StatusIssued            = string(awstypes.CertificateStatusIssued)
)

// Wait states of WaitValidationRecords.
const (
	recordsPending = "records-pending"
	recordsReady   = "records-ready"
)

const (
	// ACM shows the validation records within seconds and validates
	// within minutes of them resolving.
	recordMinPoll = 500 * time.Millisecond
	recordMaxPoll = 5 * time.Second
	issueMinPoll  = 2 * time.Second
	issueMaxPoll  = 15 * time.Second
	// deleteMaxPoll paces retries of ResourceInUseException while a load
	// balancer or CloudFront releases the certificate.
	deleteMinPoll = time.Second
	deleteMaxPoll = 15 * time.Second
)

// Tags converts a map to ACM tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []awstypes.Tag {
	return tags.Convert(m, func(k, v string) awstypes.Tag { return awstypes.Tag{Key: aws.String(k), Value: aws.String(v)} })
}

// RequestCertificate requests a public certificate validated through DNS for
// domain and sans, tagged at once. token is the IdempotencyToken (\w+, at
// most 32 characters): a repeated request with it within an hour (a retry
// after a lost answer, a resumed apply) returns the same certificate.
func RequestCertificate(ctx context.Context, conn *acm.Client, domain string, sans []string, token string, tagMap map[string]string) (string, error) {
	in := &acm.RequestCertificateInput{
		DomainName:       aws.String(domain),
		ValidationMethod: awstypes.ValidationMethodDns,
		KeyAlgorithm:     awstypes.KeyAlgorithmRsa2048,
		Tags:             Tags(tagMap),
	}
	if len(sans) > 0 {
		in.SubjectAlternativeNames = sans
	}
	if token != "" {
		in.IdempotencyToken = aws.String(token)
	}
	out, err := conn.RequestCertificate(ctx, in)
	if err != nil {
		return "", fmt.Errorf("requesting ACM certificate for %s: %w", domain, err)
	}
	return aws.ToString(out.CertificateArn), nil
}

// ValidationRecords are the DNS validation records of a certificate's
// names, one per record name (a name and its wildcard share one); ok is
// false while ACM has not generated all of them yet.
func ValidationRecords(c *awstypes.CertificateDetail) (records []awstypes.ResourceRecord, ok bool) {
	seen := map[string]bool{}
	for _, o := range c.DomainValidationOptions {
		rr := o.ResourceRecord
		if rr == nil || aws.ToString(rr.Name) == "" {
			return nil, false
		}
		name := strings.ToLower(aws.ToString(rr.Name))
		if !seen[name] {
			seen[name] = true
			records = append(records, *rr)
		}
	}
	return records, len(c.DomainValidationOptions) > 0
}

// WaitValidationRecords waits until DescribeCertificate shows the DNS
// validation record of every name (ACM takes a few seconds to make them).
func WaitValidationRecords(ctx context.Context, conn *acm.Client, arn string, timeout time.Duration) (*awstypes.CertificateDetail, error) {
	conf := retry.StateChangeConf[awstypes.CertificateDetail]{
		Pending: []string{recordsPending},
		Target:  []string{recordsReady},
		Refresh: retry.StatusOf(func(ctx context.Context) (*awstypes.CertificateDetail, error) {
			return FindCertificateByARN(ctx, conn, arn)
		},
			func(c *awstypes.CertificateDetail) string {
				if c.Status != awstypes.CertificateStatusPendingValidation && c.Status != awstypes.CertificateStatusIssued {
					return string(c.Status)
				}
				if _, ok := ValidationRecords(c); ok {
					return recordsReady
				}
				return recordsPending
			}),
		Timeout: timeout,
		MinPoll: recordMinPoll,
		MaxPoll: recordMaxPoll,
	}
	c, err := conf.WaitForState(ctx)
	if err != nil {
		return c, fmt.Errorf("waiting for the DNS validation records of ACM certificate (%s): %w", arn, err)
	}
	return c, nil
}

// StatusCertificate reports a certificate's status; a missing certificate
// is a nil result.
func StatusCertificate(conn *acm.Client, arn string) retry.Refresh[awstypes.CertificateDetail] {
	return retry.StatusOf(func(ctx context.Context) (*awstypes.CertificateDetail, error) {
		return FindCertificateByARN(ctx, conn, arn)
	},
		func(c *awstypes.CertificateDetail) string { return string(c.Status) })
}

// WaitCertificateIssued waits until a certificate is ISSUED. Any status
// other than PENDING_VALIDATION (VALIDATION_TIMED_OUT, FAILED, REVOKED, ...)
// ends the wait with a *retry.UnexpectedStateError carrying ACM's failure
// reason. progress, when set, is called after every poll with the status.
func WaitCertificateIssued(ctx context.Context, conn *acm.Client, arn string, timeout time.Duration, progress func(status string, elapsed time.Duration)) (*awstypes.CertificateDetail, error) {
	conf := retry.StateChangeConf[awstypes.CertificateDetail]{
		Pending: []string{StatusPendingValidation},
		Target:  []string{StatusIssued},
		Refresh: StatusCertificate(conn, arn),
		Timeout: timeout,
		MinPoll: issueMinPoll,
		MaxPoll: issueMaxPoll,
		OnPoll:  progress,
	}
	c, err := conf.WaitForState(ctx)
	var ue *retry.UnexpectedStateError
	if errors.As(err, &ue) && c != nil && c.FailureReason != "" {
		ue.LastError = fmt.Errorf("failure reason %s", c.FailureReason)
	}
	if err != nil {
		return c, fmt.Errorf("waiting for ACM certificate (%s) to be issued: %w", arn, err)
	}
	return c, nil
}

// DeleteCertificate deletes a certificate, retrying ResourceInUseException
// until timeout while a load balancer or CloudFront distribution that just
// stopped using it releases it. A certificate that does not exist is
// success.
func DeleteCertificate(ctx context.Context, conn *acm.Client, arn string, timeout time.Duration) error {
	conf := retry.StateChangeConf[struct{}]{
		Pending: []string{"in-use"},
		Target:  []string{"deleted"},
		Refresh: func(ctx context.Context) (*struct{}, string, error) {
			_, err := conn.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
			switch {
			case err == nil, errs.IsA[*awstypes.ResourceNotFoundException](err):
				return &struct{}{}, "deleted", nil
			case errs.IsA[*awstypes.ResourceInUseException](err):
				return &struct{}{}, "in-use", nil
			}
			return nil, "", err
		},
		Timeout: timeout,
		MinPoll: deleteMinPoll,
		MaxPoll: deleteMaxPoll,
	}
	if _, err := conf.WaitForState(ctx); err != nil {
		if retry.TimedOut(err) {
			c, ferr := FindCertificateByARN(ctx, conn, arn)
			if ferr == nil && len(c.InUseBy) > 0 {
				return fmt.Errorf("deleting ACM certificate (%s): still in use by %s: %w", arn, strings.Join(c.InUseBy, ", "), err)
			}
		}
		return fmt.Errorf("deleting ACM certificate (%s): %w", arn, err)
	}
	return nil
}

// FindCertificatesByDomain lists the region's certificates in one of the
// statuses (any when none is given) whose first name or one of whose other
// names is domain (every one when domain is ""). Only RSA 2048 and EC
// P-256/P-384 certificates, the kinds ACM issues by request, are listed.
func FindCertificatesByDomain(ctx context.Context, conn *acm.Client, domain string, statuses ...awstypes.CertificateStatus) ([]awstypes.CertificateSummary, error) {
	in := &acm.ListCertificatesInput{
		CertificateStatuses: statuses,
		Includes: &awstypes.Filters{KeyTypes: []awstypes.KeyAlgorithm{
			awstypes.KeyAlgorithmRsa2048, awstypes.KeyAlgorithmEcPrime256v1, awstypes.KeyAlgorithmEcSecp384r1,
		}},
	}
	domain = strings.ToLower(domain)
	var out []awstypes.CertificateSummary
	p := acm.NewListCertificatesPaginator(conn, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing ACM certificates: %w", err)
		}
		for _, c := range page.CertificateSummaryList {
			names := append([]string{aws.ToString(c.DomainName)}, c.SubjectAlternativeNameSummaries...)
			if domain == "" || slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, domain) }) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// FindTagsByARN lists a certificate's tags, or returns a retry.NotFoundError
// when it is gone.
func FindTagsByARN(ctx context.Context, conn *acm.Client, arn string) (map[string]string, error) {
	out, err := conn.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(arn)})
	if errs.IsA[*awstypes.ResourceNotFoundException](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("listing tags of ACM certificate (%s): %w", arn, err)
	}
	m := map[string]string{}
	for _, t := range out.Tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m, nil
}

// UpdateTags moves a certificate's tags from oldTags to newTags.
func UpdateTags(ctx context.Context, conn *acm.Client, arn string, oldTags, newTags map[string]string) error {
	return tags.Update(ctx, "ACM certificate ("+arn+")", oldTags, newTags,
		func(ctx context.Context, keys []string) error {
			var ts []awstypes.Tag
			for _, k := range keys {
				ts = append(ts, awstypes.Tag{Key: aws.String(k)})
			}
			_, err := conn.RemoveTagsFromCertificate(ctx, &acm.RemoveTagsFromCertificateInput{CertificateArn: aws.String(arn), Tags: ts})
			return err
		},
		func(ctx context.Context, set map[string]string) error {
			_, err := conn.AddTagsToCertificate(ctx, &acm.AddTagsToCertificateInput{CertificateArn: aws.String(arn), Tags: Tags(set)})
			return err
		})
}
