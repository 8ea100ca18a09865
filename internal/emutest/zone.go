package emutest

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// UserZone is a public hosted zone the user owns, with records of their own,
// made in the emulator outside Terraform.
type UserZone struct {
	ID, Name string
	// Before is the zone's content (Records) right after it was made.
	Before []string
}

// UserRecord is a simple record for CreateUserZone: "name TYPE value".
func UserRecord(name, typ, value string) r53types.ResourceRecordSet {
	return r53types.ResourceRecordSet{Name: aws.String(name), Type: r53types.RRType(typ), TTL: aws.Int64(300),
		ResourceRecords: []r53types.ResourceRecord{{Value: aws.String(value)}}}
}

// CreateUserZone makes a hosted zone named name holding records.
func CreateUserZone(t testing.TB, emu *awsemu.Emulator, name string, records ...r53types.ResourceRecordSet) *UserZone {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := route53.NewFromConfig(Config(emu, ""))
	out, err := conn.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String(fmt.Sprintf("user-%x", sha256.Sum224([]byte(name+" "+t.Name()))))})
	if err != nil {
		t.Fatal(err)
	}
	z := &UserZone{ID: strings.TrimPrefix(aws.ToString(out.HostedZone.Id), "/hostedzone/"), Name: name}
	if len(records) > 0 {
		var changes []r53types.Change
		for i := range records {
			changes = append(changes, r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &records[i]})
		}
		if _, err := conn.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(z.ID), ChangeBatch: &r53types.ChangeBatch{Changes: changes}}); err != nil {
			t.Fatal(err)
		}
	}
	z.Before = z.Records(t, emu)
	return z
}

// Records lists the zone's record sets, one "name TYPE target" line each,
// in Route 53's order.
func (z *UserZone) Records(t testing.TB, emu *awsemu.Emulator) []string {
	t.Helper()
	out, err := z.records(emu)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (z *UserZone) records(emu *awsemu.Emulator) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := route53.NewFromConfig(Config(emu, ""))
	in := &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(z.ID)}
	var lines []string
	for {
		page, err := conn.ListResourceRecordSets(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, r := range page.ResourceRecordSets {
			target := ""
			if r.AliasTarget != nil {
				target = "alias " + aws.ToString(r.AliasTarget.HostedZoneId) + " " + aws.ToString(r.AliasTarget.DNSName)
			} else {
				var vals []string
				for _, v := range r.ResourceRecords {
					vals = append(vals, aws.ToString(v.Value))
				}
				target = strings.Join(vals, ",")
			}
			lines = append(lines, fmt.Sprintf("%s %s %s", aws.ToString(r.Name), r.Type, target))
		}
		if !page.IsTruncated {
			return lines, nil
		}
		in.StartRecordName, in.StartRecordType = page.NextRecordName, page.NextRecordType
	}
}

// Record returns the zone's record set of a name and type, or nil.
func (z *UserZone) Record(t testing.TB, emu *awsemu.Emulator, name, typ string) *r53types.ResourceRecordSet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := route53.NewFromConfig(Config(emu, "")).ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId: aws.String(z.ID), StartRecordName: aws.String(name), StartRecordType: r53types.RRType(typ), MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.ResourceRecordSets {
		if strings.TrimSuffix(aws.ToString(r.Name), ".") == strings.TrimSuffix(name, ".") && string(r.Type) == typ {
			return &r
		}
	}
	return nil
}

// CheckAsBefore fails unless the zone holds exactly what it held when it
// was made: the user's records, none of the deployment's.
func (z *UserZone) CheckAsBefore(emu *awsemu.Emulator) error {
	now, err := z.records(emu)
	if err != nil {
		return err
	}
	if !slices.Equal(now, z.Before) {
		return fmt.Errorf("hosted zone %s changed:\nbefore %q\n   now %q", z.Name, z.Before, now)
	}
	return nil
}

// CheckDestroy is the destroy check of a deployment with a domain in the
// zone: the zone is as it was before, and apart from it (and anything in
// keep) the emulator is empty.
func (z *UserZone) CheckDestroy(emu *awsemu.Emulator, keep ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if err := z.CheckAsBefore(emu); err != nil {
			return err
		}
		var left []string
		for _, r := range emu.Inventory() {
			if r.Service == "route53" && (r.ID == z.ID || strings.HasPrefix(r.ID, z.ID+"/")) || slices.Contains(keep, r.ID) {
				continue
			}
			left = append(left, r.Service+" "+r.Type+" "+r.ID+" ("+r.State+")")
		}
		if len(left) > 0 {
			return fmt.Errorf("%d resources left after destroy:\n  %s", len(left), strings.Join(left, "\n  "))
		}
		return nil
	}
}

// Get fetches u through the emulator's data plane as a user on the internet
// would (see Fetch), failing the test when the request cannot be made.
func Get(t testing.TB, emu *awsemu.Emulator, u string) (int, string) {
	t.Helper()
	status, body, err := Fetch(emu, u)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// Fetch fetches u through the emulator's data plane: through its forward
// proxy, trusting its CA, without following redirects. It returns the
// status and the body.
func Fetch(emu *awsemu.Emulator, u string) (int, string, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(emu.CAPEM()) {
		return 0, "", fmt.Errorf("the emulator's CA is not PEM")
	}
	proxy, err := url.Parse(emu.ProxyURL())
	if err != nil {
		return 0, "", err
	}
	c := &http.Client{
		Transport:     &http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       20 * time.Second,
	}
	defer c.CloseIdleConnections()
	resp, err := c.Get(u)
	if err != nil {
		return 0, "", fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}
