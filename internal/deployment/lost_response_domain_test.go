package deployment

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

// lostModes runs f once with the answer lost as a server error and once
// with the connection dropped.
func lostModes(t *testing.T, name string, f func(t *testing.T, drop bool)) {
	for _, drop := range []bool{false, true} {
		mode := "5xx"
		if drop {
			mode = "dropped"
		}
		t.Run(name+"/"+mode, func(t *testing.T) {
			t.Parallel()
			f(t, drop)
		})
	}
}

// requireFired fails unless the lost-response fault did its work: it
// fired once, on a call that succeeded (made its change) before its
// answer was lost.
func requireFired(t *testing.T, env *testEnv) {
	t.Helper()
	for _, f := range env.emu.Faults() {
		if f.Fired != 1 {
			t.Fatalf("the fault on %s.%s fired %d times", f.Service, f.Operation, f.Fired)
		}
	}
	for _, c := range env.emu.Calls() {
		if c.Notes["fault"] == awsemu.FaultLoseResponse && c.Error != "" {
			t.Fatalf("the lost %s.%s answer was the error %s: nothing was made", c.Service, c.Operation, c.Error)
		}
	}
}

// zoneAdded is what the deployment added to the user's zone: its lines
// that were not there before.
func zoneAdded(t *testing.T, env *testEnv, z *emutest.UserZone) []string {
	t.Helper()
	var out []string
	for _, line := range z.Records(t, env.emu) {
		if !slices.Contains(z.Before, line) {
			out = append(out, line)
		}
	}
	return out
}

// A tier-3 deployment with a domain in another region than us-east-1: its
// own certificate there and CloudFront's in us-east-1, two validation
// records, three aliases, and an HTTPS listener besides the redirect. Every
// call that creates one of them, its answer lost, leaves exactly one.
func TestLostResponsesDomainCreatesEachObjectOnce(t *testing.T) {
	const region = "eu-west-1"
	ops := []struct {
		service, op string
		after       int
	}{
		{"acm", "RequestCertificate", 0}, // the load balancer's, in the region
		{"acm", "RequestCertificate", 1}, // CloudFront's, in us-east-1
		// The validation CNAMEs of the name and the origin name, then the
		// aliases A and AAAA to CloudFront and the origin's A to the load
		// balancer.
		{"route53", "ChangeResourceRecordSets", 0}, {"route53", "ChangeResourceRecordSets", 1},
		{"route53", "ChangeResourceRecordSets", 2}, {"route53", "ChangeResourceRecordSets", 3}, {"route53", "ChangeResourceRecordSets", 4},
		{"elbv2", "CreateListener", 0}, {"elbv2", "CreateListener", 1}, // HTTPS, then the HTTP redirect
	}
	for _, tc := range ops {
		lostModes(t, fmt.Sprintf("%s.%s#%d", tc.service, tc.op, tc.after+1), func(t *testing.T, drop bool) {
			env := newTestEnvIn(t, region, map[string]string{"dataplane.external_dns": "none"}, emutest.DefaultSpeed)
			z := userZone(t, env)
			spec := domainSpec("lostdom", TierGPU, z)
			spec.Region = region
			// After the zone is made: its records are the user's.
			env.emu.InjectFault(awsemu.Fault{Service: tc.service, Operation: tc.op, Mode: awsemu.FaultLoseResponse, Drop: drop, After: tc.after, Times: 1})
			st, err := Create(env.ctx, env.c, spec)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			requireFired(t, env)
			got := countTypes(env)
			for typ, n := range tier3Objects {
				if got[typ] != n {
					t.Errorf("%d %s, want %d", got[typ], typ, n)
				}
			}
			certs := map[string]int{}
			for _, r := range env.emu.Inventory() {
				if r.Service == "acm" {
					certs[r.Region]++
				}
			}
			if certs[region] != 1 || certs[CDNCertificateRegion] != 1 || got["certificate"] != 2 {
				t.Errorf("certificates by region %v, want one in %s and one in %s", certs, region, CDNCertificateRegion)
			}
			// The zone: the user's records, two validation CNAMEs and the
			// three aliases, nothing else.
			added := zoneAdded(t, env, z)
			var cnames, aliases []string
			for _, line := range added {
				switch {
				case strings.Contains(line, " CNAME ") && strings.Contains(line, "acm-validations.aws"):
					cnames = append(cnames, line)
				case strings.Contains(line, " alias "):
					aliases = append(aliases, line)
				}
			}
			if len(cnames) != 2 || len(aliases) != 3 || len(added) != 5 {
				t.Errorf("added to the zone %q, want 2 validation records and 3 aliases", added)
			}
			// The inventory lists the record sets callers wrote: the user's
			// two and the deployment's five.
			if got["record"] != 2+5 {
				t.Errorf("%d records in the inventory, want %d", got["record"], 2+5)
			}
			if len(st.DomainCertificates) != 2 || len(st.DomainRecords) != 5 {
				t.Errorf("recorded %d certificates and %d records, want 2 and 5", len(st.DomainCertificates), len(st.DomainRecords))
			}
			if t.Failed() {
				t.FailNow()
			}
			checkDomain(t, env, z, spec, st)
			if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
				t.Fatalf("destroy: %v", err)
			}
			if err := z.CheckDestroy(env.emu)(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Tier 1 points the name at the instance with an address record (a TTL and
// a value, no alias): its CREATE, the answer lost, leaves that one record.
func TestLostResponsesDomainAddressRecordOnce(t *testing.T) {
	lostModes(t, "route53.ChangeResourceRecordSets#1", func(t *testing.T, drop bool) {
		env := newTestEnv(t, map[string]string{"dataplane.external_dns": "none"})
		z := userZone(t, env)
		spec := domainSpec("lostaddr", TierDev, z)
		env.emu.InjectFault(awsemu.Fault{Service: "route53", Operation: "ChangeResourceRecordSets", Mode: awsemu.FaultLoseResponse, Drop: drop, Times: 1})
		st, err := Create(env.ctx, env.c, spec)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		requireFired(t, env)
		if added := zoneAdded(t, env, z); len(added) != 1 || added[0] != testDomain+". A "+st.PublicIP {
			t.Fatalf("added to the zone %q, want the address record of %s", added, st.PublicIP)
		}
		if len(st.DomainRecords) != 1 {
			t.Fatalf("recorded %d records, want 1", len(st.DomainRecords))
		}
		checkDomain(t, env, z, spec, st)
		if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		if err := z.CheckDestroy(env.emu)(nil); err != nil {
			t.Fatal(err)
		}
	})
}

// A CREATE refused because the record set exists is the deployment's own
// only when the record set is exactly the one it asked for; one that
// differs is someone else's and stays untouched.
func TestCreatedAlreadyTakesOnlyItsOwnRecord(t *testing.T) {
	env := newTestEnv(t, nil)
	z := userZone(t, env) // www.example.com A 198.51.100.7, TTL 300
	o := &op{c: env.c, spec: domainSpec("settle", TierDev, z), rec: newRecorder(&State{})}
	rec := func(value string, ttl int64) DomainRecord {
		return DomainRecord{ZoneID: z.ID, Name: "www.example.com", Type: "A", Values: []string{value}, TTL: ttl}
	}
	for name, want := range map[string]DomainRecord{"another value": rec("198.51.100.8", 300), "another TTL": rec("198.51.100.7", 60)} {
		var fe *FieldError
		if _, err := o.createdAlready(env.ctx, want); !errors.As(err, &fe) || fe.Summary != "DNS record exists" || !strings.Contains(fe.Detail, "198.51.100.7") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := z.CheckAsBefore(env.emu); err != nil {
		t.Fatal(err)
	}
	id, err := o.createdAlready(env.ctx, rec("198.51.100.7", 300))
	if err != nil || id == "" {
		t.Fatalf("the identical record set: change %q, %v", id, err)
	}
	if err := z.CheckAsBefore(env.emu); err != nil {
		t.Fatal(err)
	}
}

// Tagging is idempotent by nature (a tag set twice is one tag), but a lost
// answer must not fail the update either: changing the deployment's tags,
// each service's tagging call losing its answer once, leaves every object
// carrying the new tags and nothing more.
func TestLostResponsesRetag(t *testing.T) {
	ops := []struct{ service, op string }{
		{"ec2", "CreateTags"}, {"efs", "TagResource"}, {"iam", "TagRole"}, {"iam", "TagInstanceProfile"},
		{"elbv2", "AddTags"}, {"cloudfront", "TagResource"}, {"acm", "AddTagsToCertificate"}, {"ssm", "AddTagsToResource"},
	}
	for _, tc := range ops {
		lostModes(t, tc.service+"."+tc.op, func(t *testing.T, drop bool) {
			env := newTestEnv(t, map[string]string{"dataplane.external_dns": "none"})
			z := userZone(t, env)
			spec := domainSpec("lostretag", TierGPU, z)
			st, err := Create(env.ctx, env.c, spec)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			tagged := func(value string) (n int) {
				for _, r := range env.emu.Inventory() {
					if r.Tags["team"] == value {
						n++
					}
				}
				return n
			}
			before, count := tagged("ai"), countTypes(env)
			env.emu.InjectFault(awsemu.Fault{Service: tc.service, Operation: tc.op, Mode: awsemu.FaultLoseResponse, Drop: drop, Times: 1})
			priorTags := spec.Tags
			spec.Tags = map[string]string{"team": "ml"}
			st, err = Update(env.ctx, env.c, spec, st, priorTags)
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			requireFired(t, env)
			if after := tagged("ml"); before == 0 || after != before || tagged("ai") != 0 {
				t.Fatalf("%d objects tagged team=ai before, %d team=ml and %d team=ai after", before, after, tagged("ai"))
			}
			if after := countTypes(env); !maps.Equal(after, count) {
				t.Fatalf("objects before %v, after %v", count, after)
			}
			if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
				t.Fatalf("destroy: %v", err)
			}
			if err := z.CheckDestroy(env.emu)(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A request whose record was lost (DomainRequests not counted) repeats its
// idempotency token; ACM then answers with the first certificate even if
// it was deleted since. The deployment notices and requests with the next
// token, ending with one live certificate.
func TestCertificateTokenOfADeletedCertificate(t *testing.T) {
	env := newTestEnv(t, nil)
	z := userZone(t, env)
	spec := domainSpec("tokgone", TierGPU, z)
	w := spec.certificateWant(CertificateUseLoadBalancer)
	first, err := (&op{c: env.c, spec: spec, rec: newRecorder(&State{Nonce: "n1"})}).ensureCertificate(env.ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.ACM(w.region).DeleteCertificate(env.ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(first.ARN)}); err != nil {
		t.Fatal(err)
	}
	o := &op{c: env.c, spec: spec, rec: newRecorder(&State{Nonce: "n1"})}
	c, err := o.ensureCertificate(env.ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if status, err := findCert(env, c); c.ARN == first.ARN || err != nil || status != "PENDING_VALIDATION" {
		t.Fatalf("certificate %s (%s, %v), the deleted one was %s", c.ARN, status, err, first.ARN)
	}
	if st := o.rec.get(); len(st.DomainCertificates) != 1 || st.DomainCertificates[0].ARN != c.ARN || st.DomainRequests != 2 {
		t.Fatalf("recorded %+v after %d requests", st.DomainCertificates, st.DomainRequests)
	}
	if got := countTypes(env)["certificate"]; got != 1 {
		t.Fatalf("%d certificates", got)
	}
}
