// Package route53 wraps the aws-sdk-go-v2 Route 53 client in the
// find/status/wait style of the other service packages: finders map
// NoSuchHostedZone, NoSuchChange and absent record sets to
// retry.NotFoundError, changes are retried while Route 53 is still applying
// an earlier change to the zone (PriorRequestNotComplete), and a change is
// waited on until it is INSYNC. Callers import it as tfroute53.
package route53

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	awstypes "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// Change statuses.
const (
	ChangeStatusPending = string(awstypes.ChangeStatusPending)
	ChangeStatusInsync  = string(awstypes.ChangeStatusInsync)
)

const (
	// Changes propagate "generally within 60 seconds": poll fast first,
	// then every 10 s.
	changeMinPoll = time.Second
	changeMaxPoll = 10 * time.Second
	// priorRequestTimeout bounds retries of PriorRequestNotComplete (Route
	// 53 is still applying an earlier change to the zone).
	priorRequestTimeout = 2 * time.Minute

	errCodePriorRequestNotComplete = "PriorRequestNotComplete"
)

// CleanZoneID strips the /hostedzone/ prefix Route 53 puts on zone ids.
func CleanZoneID(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}

// CleanChangeID strips the /change/ prefix Route 53 puts on change ids.
func CleanChangeID(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}

// NormalizeName is a record or zone name as the deployment compares names:
// lowercase, without the trailing dot, with Route 53's \052 read as *.
func NormalizeName(name string) string {
	name = strings.ReplaceAll(strings.ToLower(name), `\052`, "*")
	return strings.TrimSuffix(name, ".")
}

// InZone reports whether name is the zone's apex or a name below it.
func InZone(name, zone string) bool {
	name, zone = NormalizeName(name), NormalizeName(zone)
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// FindHostedZoneByID reads a hosted zone, or returns a retry.NotFoundError
// for NoSuchHostedZone.
func FindHostedZoneByID(ctx context.Context, conn *route53.Client, id string) (*route53.GetHostedZoneOutput, error) {
	out, err := conn.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(CleanZoneID(id))})
	if errs.IsA[*awstypes.NoSuchHostedZone](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading Route 53 Hosted Zone (%s): %w", id, err)
	}
	if out == nil || out.HostedZone == nil {
		return nil, retry.NewEmptyResultError("Route 53 Hosted Zone (" + id + ")")
	}
	return out, nil
}

// FindPublicHostedZonesByName lists the public hosted zones named exactly
// name (there may be several).
func FindPublicHostedZonesByName(ctx context.Context, conn *route53.Client, name string) ([]awstypes.HostedZone, error) {
	want := NormalizeName(name)
	in := &route53.ListHostedZonesByNameInput{DNSName: aws.String(want)}
	var out []awstypes.HostedZone
	for {
		page, err := conn.ListHostedZonesByName(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing Route 53 Hosted Zones named %s: %w", want, err)
		}
		for _, z := range page.HostedZones {
			if NormalizeName(aws.ToString(z.Name)) != want {
				// Zones come sorted by name: past the name, no more.
				return out, nil
			}
			if z.Config == nil || !z.Config.PrivateZone {
				out = append(out, z)
			}
		}
		if !page.IsTruncated {
			return out, nil
		}
		in.DNSName, in.HostedZoneId = page.NextDNSName, page.NextHostedZoneId
	}
}

// FindResourceRecordSet reads the simple-routing record set of a name and
// type in a zone, or returns a retry.NotFoundError when there is none.
func FindResourceRecordSet(ctx context.Context, conn *route53.Client, zoneID, name string, typ awstypes.RRType) (*awstypes.ResourceRecordSet, error) {
	out, err := conn.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId:    aws.String(CleanZoneID(zoneID)),
		StartRecordName: aws.String(NormalizeName(name)),
		StartRecordType: typ,
		MaxItems:        aws.Int32(1),
	})
	if errs.IsA[*awstypes.NoSuchHostedZone](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading Route 53 record %s %s in zone %s: %w", name, typ, zoneID, err)
	}
	for _, rrs := range out.ResourceRecordSets {
		// The listing starts at the name and type, or at the next record
		// set when there is none.
		if NormalizeName(aws.ToString(rrs.Name)) == NormalizeName(name) && rrs.Type == typ {
			return &rrs, nil
		}
	}
	return nil, retry.NewEmptyResultError(fmt.Sprintf("Route 53 record %s %s in zone %s", NormalizeName(name), typ, zoneID))
}

// ChangeRecords submits one change batch and returns the id of the change,
// retrying while Route 53 still applies an earlier change to the zone.
func ChangeRecords(ctx context.Context, conn *route53.Client, zoneID, comment string, changes ...awstypes.Change) (string, error) {
	in := &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(CleanZoneID(zoneID)),
		ChangeBatch:  &awstypes.ChangeBatch{Changes: changes},
	}
	if comment != "" {
		in.ChangeBatch.Comment = aws.String(comment)
	}
	out, err := retry.WhenCode(ctx, priorRequestTimeout, func(ctx context.Context) (*route53.ChangeResourceRecordSetsOutput, error) {
		return conn.ChangeResourceRecordSets(ctx, in)
	}, errCodePriorRequestNotComplete)
	if err != nil {
		return "", fmt.Errorf("changing Route 53 records in zone %s: %w", zoneID, err)
	}
	if out.ChangeInfo == nil {
		return "", fmt.Errorf("changing Route 53 records in zone %s: no change info in the answer", zoneID)
	}
	return CleanChangeID(aws.ToString(out.ChangeInfo.Id)), nil
}

// DeleteRecord deletes a record set exactly as rrs describes it (Route 53
// deletes only on an exact match). A record set that is already gone is
// success: the returned change id is then "".
func DeleteRecord(ctx context.Context, conn *route53.Client, zoneID string, rrs *awstypes.ResourceRecordSet) (string, error) {
	id, err := ChangeRecords(ctx, conn, zoneID, "", awstypes.Change{Action: awstypes.ChangeActionDelete, ResourceRecordSet: rrs})
	if errs.IsCodeWithMessage(err, "InvalidChangeBatch", "but it was not found") || errs.IsA[*awstypes.NoSuchHostedZone](err) {
		return "", nil
	}
	return id, err
}

// FindChangeByID reads a change, or returns a retry.NotFoundError for
// NoSuchChange.
func FindChangeByID(ctx context.Context, conn *route53.Client, id string) (*awstypes.ChangeInfo, error) {
	out, err := conn.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(CleanChangeID(id))})
	if errs.IsA[*awstypes.NoSuchChange](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading Route 53 change (%s): %w", id, err)
	}
	if out == nil || out.ChangeInfo == nil {
		return nil, retry.NewEmptyResultError("Route 53 change (" + id + ")")
	}
	return out.ChangeInfo, nil
}

// StatusChange reports a change's status (PENDING, INSYNC); a missing
// change is a nil result.
func StatusChange(conn *route53.Client, id string) retry.Refresh[awstypes.ChangeInfo] {
	return retry.StatusOf(func(ctx context.Context) (*awstypes.ChangeInfo, error) { return FindChangeByID(ctx, conn, id) },
		func(c *awstypes.ChangeInfo) string { return string(c.Status) })
}

// WaitChangeInsync waits until a change has reached every Route 53 name
// server. progress, when set, is called after every poll with the status.
func WaitChangeInsync(ctx context.Context, conn *route53.Client, id string, timeout time.Duration, progress func(status string, elapsed time.Duration)) error {
	conf := retry.StateChangeConf[awstypes.ChangeInfo]{
		Pending: []string{ChangeStatusPending},
		Target:  []string{ChangeStatusInsync},
		Refresh: StatusChange(conn, id),
		Timeout: timeout,
		MinPoll: changeMinPoll,
		MaxPoll: changeMaxPoll,
		OnPoll:  progress,
	}
	if _, err := conf.WaitForState(ctx); err != nil {
		return fmt.Errorf("waiting for Route 53 change (%s) to be INSYNC: %w", id, err)
	}
	return nil
}
