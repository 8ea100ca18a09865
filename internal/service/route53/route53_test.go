package route53_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	awstypes "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfroute53 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/route53"
)

func txt(name, value string) *awstypes.ResourceRecordSet {
	return &awstypes.ResourceRecordSet{Name: aws.String(name), Type: awstypes.RRTypeTxt, TTL: aws.Int64(60),
		ResourceRecords: []awstypes.ResourceRecord{{Value: aws.String(value)}}}
}

func TestZonesRecordsAndChanges(t *testing.T) {
	env := emutest.Start(t, emutest.Options{})
	conn := route53.NewFromConfig(env.Config)
	ctx := env.Ctx
	zone, err := conn.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("svc-test")})
	if err != nil {
		t.Fatal(err)
	}
	id := tfroute53.CleanZoneID(aws.ToString(zone.HostedZone.Id))
	if id == aws.ToString(zone.HostedZone.Id) || id[0] != 'Z' {
		t.Fatalf("clean id %q of %q", id, aws.ToString(zone.HostedZone.Id))
	}

	got, err := tfroute53.FindHostedZoneByID(ctx, conn, "/hostedzone/"+id)
	if err != nil || tfroute53.NormalizeName(aws.ToString(got.HostedZone.Name)) != "example.com" {
		t.Fatalf("zone = %+v %v", got, err)
	}
	if _, err := tfroute53.FindHostedZoneByID(ctx, conn, "Z0000000000000000000X"); !retry.NotFound(err) || errs.Code(err) != "NoSuchHostedZone" {
		t.Fatalf("missing zone: %v", err)
	}
	zones, err := tfroute53.FindPublicHostedZonesByName(ctx, conn, "Example.com.")
	if err != nil || len(zones) != 1 || tfroute53.CleanZoneID(aws.ToString(zones[0].Id)) != id {
		t.Fatalf("by name = %+v %v", zones, err)
	}
	if zones, err := tfroute53.FindPublicHostedZonesByName(ctx, conn, "ai.example.com"); err != nil || len(zones) != 0 {
		t.Fatalf("a name below the zone is not a zone: %+v %v", zones, err)
	}

	// No record yet: NotFound, even though the listing returns the next
	// record set (the apex NS).
	if _, err := tfroute53.FindResourceRecordSet(ctx, conn, id, "a.example.com", awstypes.RRTypeTxt); !retry.NotFound(err) {
		t.Fatalf("absent record: %v", err)
	}
	change, err := tfroute53.ChangeRecords(ctx, conn, id, "test", awstypes.Change{Action: awstypes.ChangeActionCreate, ResourceRecordSet: txt("a.example.com", `"one"`)})
	if err != nil {
		t.Fatal(err)
	}
	info, err := tfroute53.FindChangeByID(ctx, conn, "/change/"+change)
	if err != nil || info.Status != awstypes.ChangeStatusPending {
		t.Fatalf("new change = %+v %v", info, err)
	}
	var polls []string
	if err := tfroute53.WaitChangeInsync(ctx, conn, change, time.Minute, func(s string, _ time.Duration) { polls = append(polls, s) }); err != nil {
		t.Fatal(err)
	}
	if len(polls) == 0 || polls[len(polls)-1] != tfroute53.ChangeStatusInsync {
		t.Fatalf("progress %v", polls)
	}
	rrs, err := tfroute53.FindResourceRecordSet(ctx, conn, id, "A.example.com.", awstypes.RRTypeTxt)
	if err != nil || aws.ToString(rrs.ResourceRecords[0].Value) != `"one"` {
		t.Fatalf("record = %+v %v", rrs, err)
	}
	if _, err := tfroute53.FindChangeByID(ctx, conn, "CNOSUCHCHANGE0000000"); !retry.NotFound(err) {
		t.Fatalf("missing change: %v", err)
	}

	// Delete must match exactly; a record already gone is success.
	if _, err := tfroute53.DeleteRecord(ctx, conn, id, txt("a.example.com", `"two"`)); errs.Code(err) != "InvalidChangeBatch" {
		t.Fatalf("mismatched delete: %v", err)
	}
	if c, err := tfroute53.DeleteRecord(ctx, conn, id, rrs); err != nil || c == "" {
		t.Fatalf("delete = %q %v", c, err)
	}
	if c, err := tfroute53.DeleteRecord(ctx, conn, id, rrs); err != nil || c != "" {
		t.Fatalf("second delete = %q %v", c, err)
	}
	if _, err := tfroute53.FindResourceRecordSet(ctx, conn, id, "a.example.com", awstypes.RRTypeTxt); !retry.NotFound(err) {
		t.Fatalf("deleted record: %v", err)
	}
}

func TestChangeDenied(t *testing.T) {
	env := emutest.Start(t, emutest.Options{Knobs: map[string]string{"iam.deny": "route53:ChangeResourceRecordSets"}})
	conn := route53.NewFromConfig(env.Config)
	zone, err := conn.CreateHostedZone(env.Ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.org"), CallerReference: aws.String("deny")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tfroute53.ChangeRecords(env.Ctx, conn, aws.ToString(zone.HostedZone.Id), "", awstypes.Change{Action: awstypes.ChangeActionUpsert, ResourceRecordSet: txt("x.example.org", `"x"`)})
	if errs.Code(err) != "AccessDenied" {
		t.Fatalf("want AccessDenied, got %v", err)
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct {
		name, zone string
		in         bool
	}{
		{"ai.example.com", "example.com.", true},
		{"example.com.", "example.com", true},
		{"AI.Example.COM", "example.com", true},
		{"notexample.com", "example.com", false},
		{"example.org", "example.com", false},
	} {
		if got := tfroute53.InZone(c.name, c.zone); got != c.in {
			t.Errorf("InZone(%q, %q) = %v", c.name, c.zone, got)
		}
	}
	if got := tfroute53.NormalizeName(`\052.Example.com.`); got != "*.example.com" {
		t.Errorf("NormalizeName = %q", got)
	}
}
