package awsemu

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Route 53 is global and signed in us-east-1 whatever the caller's region.
func r53Client(e *Emulator) *route53.Client { return route53.NewFromConfig(sdkConfig(e, "us-east-1")) }

func r53CreateZone(t *testing.T, client *route53.Client, name, ref string) *route53.CreateHostedZoneOutput {
	t.Helper()
	out, err := client.CreateHostedZone(ctx(t), &route53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String(ref)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func r53Simple(action r53types.ChangeAction, name string, typ r53types.RRType, ttl int64, values ...string) r53types.Change {
	rrs := &r53types.ResourceRecordSet{Name: aws.String(name), Type: typ, TTL: aws.Int64(ttl)}
	for _, v := range values {
		rrs.ResourceRecords = append(rrs.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
	}
	return r53types.Change{Action: action, ResourceRecordSet: rrs}
}

func r53AliasChange(action r53types.ChangeAction, name string, typ r53types.RRType, zoneID, dns string) r53types.Change {
	return r53types.Change{Action: action, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String(name), Type: typ,
		AliasTarget: &r53types.AliasTarget{HostedZoneId: aws.String(zoneID), DNSName: aws.String(dns)}}}
}

func r53Apply(t *testing.T, client *route53.Client, zoneID string, changes ...r53types.Change) (*route53.ChangeResourceRecordSetsOutput, error) {
	t.Helper()
	return client.ChangeResourceRecordSets(ctx(t), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zoneID),
		ChangeBatch: &r53types.ChangeBatch{Changes: changes}})
}

func r53List(t *testing.T, client *route53.Client, zoneID string) []string {
	t.Helper()
	var out []string
	p := route53.NewListResourceRecordSetsPaginator(client, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.ResourceRecordSets {
			out = append(out, aws.ToString(r.Name)+" "+string(r.Type))
		}
	}
	return out
}

func TestRoute53HostedZoneLifecycle(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := r53Client(e)
	out := r53CreateZone(t, client, "Example.COM", "ref-1")
	hz := out.HostedZone
	if !regexp.MustCompile(`^/hostedzone/Z[A-Z0-9]{20}$`).MatchString(aws.ToString(hz.Id)) || aws.ToString(hz.Name) != "example.com." ||
		aws.ToString(hz.CallerReference) != "ref-1" || hz.Config == nil || hz.Config.PrivateZone || aws.ToInt64(hz.ResourceRecordSetCount) != 2 {
		t.Fatalf("zone = %+v", hz)
	}
	ns := out.DelegationSet.NameServers
	if len(ns) != 4 || !regexp.MustCompile(`^ns-\d+\.awsdns-\d\d\.com$`).MatchString(ns[0]) || !strings.HasSuffix(ns[3], ".co.uk") {
		t.Fatalf("name servers = %v", ns)
	}
	if out.ChangeInfo.Status != r53types.ChangeStatusPending || !strings.HasPrefix(aws.ToString(out.Location), "https://route53.amazonaws.com/2013-04-01/hostedzone/Z") {
		t.Fatalf("change = %+v location = %s", out.ChangeInfo, aws.ToString(out.Location))
	}
	id := aws.ToString(hz.Id)

	// The zone starts with its NS and SOA records.
	recs, err := client.ListResourceRecordSets(ctx(t), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.ResourceRecordSets) != 2 || recs.ResourceRecordSets[0].Type != "NS" || recs.ResourceRecordSets[1].Type != "SOA" ||
		aws.ToInt64(recs.ResourceRecordSets[0].TTL) != 172800 || len(recs.ResourceRecordSets[0].ResourceRecords) != 4 ||
		aws.ToString(recs.ResourceRecordSets[0].ResourceRecords[0].Value) != ns[0]+"." ||
		!strings.HasPrefix(aws.ToString(recs.ResourceRecordSets[1].ResourceRecords[0].Value), ns[0]+". awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400") {
		t.Fatalf("default records = %+v", recs.ResourceRecordSets)
	}

	// The caller reference can never be used again.
	_, err = client.CreateHostedZone(ctx(t), &route53.CreateHostedZoneInput{Name: aws.String("other.com"), CallerReference: aws.String("ref-1")})
	var exists *r53types.HostedZoneAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("want HostedZoneAlreadyExists, got %v", err)
	}
	wantStatus(t, err, 409)
	// A TLD alone is refused; a second zone with the same name is not.
	_, err = client.CreateHostedZone(ctx(t), &route53.CreateHostedZoneInput{Name: aws.String("com"), CallerReference: aws.String("ref-tld")})
	wantAPIError(t, err, "InvalidDomainName", 400, "com is reserved by AWS!")
	second := r53CreateZone(t, client, "example.com.", "ref-2")

	got, err := client.GetHostedZone(ctx(t), &route53.GetHostedZoneInput{Id: aws.String(id)})
	if err != nil || aws.ToString(got.HostedZone.Id) != id || len(got.DelegationSet.NameServers) != 4 {
		t.Fatalf("get = %+v %v", got, err)
	}
	byName, err := client.ListHostedZonesByName(ctx(t), &route53.ListHostedZonesByNameInput{DNSName: aws.String("example.com")})
	if err != nil || len(byName.HostedZones) != 2 {
		t.Fatalf("by name = %+v %v", byName, err)
	}
	list, err := client.ListHostedZones(ctx(t), &route53.ListHostedZonesInput{MaxItems: aws.Int32(1)})
	if err != nil || len(list.HostedZones) != 1 || !list.IsTruncated || aws.ToString(list.NextMarker) == "" {
		t.Fatalf("list = %+v %v", list, err)
	}
	next, err := client.ListHostedZones(ctx(t), &route53.ListHostedZonesInput{Marker: list.NextMarker})
	if err != nil || len(next.HostedZones) != 1 || aws.ToString(next.HostedZones[0].Id) != aws.ToString(second.HostedZone.Id) {
		t.Fatalf("next = %+v %v", next, err)
	}

	// A zone with a record of its own cannot be deleted.
	if _, err := r53Apply(t, client, id, r53Simple(r53types.ChangeActionCreate, "www.example.com", "A", 300, "192.0.2.10")); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteHostedZone(ctx(t), &route53.DeleteHostedZoneInput{Id: aws.String(id)})
	wantAPIError(t, err, "HostedZoneNotEmpty", 400, "")
	if _, err := r53Apply(t, client, id, r53Simple(r53types.ChangeActionDelete, "www.example.com", "A", 300, "192.0.2.10")); err != nil {
		t.Fatal(err)
	}
	del, err := client.DeleteHostedZone(ctx(t), &route53.DeleteHostedZoneInput{Id: aws.String(id)})
	if err != nil || del.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Fatalf("delete = %+v %v", del, err)
	}
	_, err = client.GetHostedZone(ctx(t), &route53.GetHostedZoneInput{Id: aws.String(id)})
	var nf *r53types.NoSuchHostedZone
	if !errors.As(err, &nf) {
		t.Fatalf("want NoSuchHostedZone, got %v", err)
	}
	wantStatus(t, err, 404)
}

func TestRoute53ChangeStatus(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"route53.propagation": "45s"}})
	client := r53Client(e)
	id := aws.ToString(r53CreateZone(t, client, "example.com", "ref").HostedZone.Id)
	out, err := r53Apply(t, client, id, r53Simple(r53types.ChangeActionCreate, "www.example.com", "A", 60, "192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	chID := aws.ToString(out.ChangeInfo.Id)
	if !strings.HasPrefix(chID, "/change/C") || out.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Fatalf("change = %+v", out.ChangeInfo)
	}
	// Not resolvable while PENDING.
	if ans := e.ResolveRoute53("www.example.com"); len(ans) != 0 {
		t.Fatalf("pending record resolved: %+v", ans)
	}
	e.Clock().Advance(44 * time.Second)
	got, err := client.GetChange(ctx(t), &route53.GetChangeInput{Id: aws.String(chID)})
	if err != nil || got.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Fatalf("before propagation = %+v %v", got, err)
	}
	e.Clock().Advance(time.Second)
	got, err = client.GetChange(ctx(t), &route53.GetChangeInput{Id: aws.String(strings.TrimPrefix(chID, "/change/"))})
	if err != nil || got.ChangeInfo.Status != r53types.ChangeStatusInsync {
		t.Fatalf("after propagation = %+v %v", got, err)
	}
	ans := e.ResolveRoute53("WWW.example.com.")
	if len(ans) != 1 || ans[0].Type != "A" || ans[0].Values[0] != "192.0.2.1" || ans[0].TTL != 60 || ans[0].ZoneID != strings.TrimPrefix(id, "/hostedzone/") {
		t.Fatalf("resolved = %+v", ans)
	}
	// The SDK's waiter sees the change through.
	w := route53.NewResourceRecordSetsChangedWaiter(client, func(o *route53.ResourceRecordSetsChangedWaiterOptions) { o.MinDelay = time.Millisecond })
	if err := w.Wait(ctx(t), &route53.GetChangeInput{Id: aws.String(chID)}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	_, err = client.GetChange(ctx(t), &route53.GetChangeInput{Id: aws.String("CNOSUCHCHANGE")})
	var nsc *r53types.NoSuchChange
	if !errors.As(err, &nsc) {
		t.Fatalf("want NoSuchChange, got %v", err)
	}

	// "never" keeps a change PENDING.
	e.SetKnob("route53.propagation", "never")
	out, err = r53Apply(t, client, id, r53Simple(r53types.ChangeActionCreate, "stuck.example.com", "A", 60, "192.0.2.2"))
	if err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(24 * time.Hour)
	got, _ = client.GetChange(ctx(t), &route53.GetChangeInput{Id: out.ChangeInfo.Id})
	if got.ChangeInfo.Status != r53types.ChangeStatusPending || len(e.ResolveRoute53("stuck.example.com")) != 0 {
		t.Fatalf("never = %+v", got.ChangeInfo)
	}
}

func TestRoute53ChangeValidation(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := r53Client(e)
	id := aws.ToString(r53CreateZone(t, client, "example.com", "ref").HostedZone.Id)
	create, del, upsert := r53types.ChangeActionCreate, r53types.ChangeActionDelete, r53types.ChangeActionUpsert

	if _, err := r53Apply(t, client, id,
		r53Simple(create, "www.example.com", "A", 300, "192.0.2.1", "192.0.2.2"),
		r53Simple(create, "app.example.com", "CNAME", 300, "www.example.com"),
		r53Simple(create, "example.com", "TXT", 300, `"v=spf1 -all"`, `"part one" "part two"`),
		r53Simple(create, "*.example.com", "AAAA", 300, "2001:db8::1"),
		r53Simple(create, "example.com", "MX", 300, "10 mail.example.com."),
	); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		changes []r53types.Change
		code    string
		msg     string
	}{
		{"create existing", []r53types.Change{r53Simple(create, "www.example.com", "A", 300, "192.0.2.9")},
			"InvalidChangeBatch", "[Tried to create resource record set [name='www.example.com.', type='A'] but it already exists]"},
		{"delete missing", []r53types.Change{r53Simple(del, "nope.example.com", "A", 300, "192.0.2.9")},
			"InvalidChangeBatch", "[Tried to delete resource record set [name='nope.example.com.', type='A'] but it was not found]"},
		{"delete other values", []r53types.Change{r53Simple(del, "www.example.com", "A", 300, "192.0.2.1")},
			"InvalidChangeBatch", "[Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values]"},
		{"delete other ttl", []r53types.Change{r53Simple(del, "www.example.com", "A", 60, "192.0.2.1", "192.0.2.2")},
			"InvalidChangeBatch", "[Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values]"},
		{"outside zone", []r53types.Change{r53Simple(create, "www.example.org", "A", 300, "192.0.2.9")},
			"InvalidChangeBatch", "[RRSet with DNS name www.example.org. is not permitted in zone example.com.]"},
		{"suffix is not a subdomain", []r53types.Change{r53Simple(create, "badexample.com", "A", 300, "192.0.2.9")},
			"InvalidChangeBatch", "[RRSet with DNS name badexample.com. is not permitted in zone example.com.]"},
		{"cname at apex", []r53types.Change{r53Simple(create, "example.com", "CNAME", 300, "www.example.com")},
			"InvalidChangeBatch", "[RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com.]"},
		{"cname beside A", []r53types.Change{r53Simple(create, "www.example.com", "CNAME", 300, "other.example.net")},
			"InvalidChangeBatch", "[RRSet of type CNAME with DNS name www.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com.]"},
		{"A beside cname", []r53types.Change{r53Simple(create, "app.example.com", "A", 300, "192.0.2.9")},
			"InvalidChangeBatch", "[RRSet of type A with DNS name app.example.com. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone example.com.]"},
		{"bad ipv4", []r53types.Change{r53Simple(create, "v4.example.com", "A", 300, "192.0.2.300")},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '192.0.2.300'']"},
		{"ipv6 in A", []r53types.Change{r53Simple(create, "v4.example.com", "A", 300, "2001:db8::1")},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '2001:db8::1'']"},
		{"bad ipv6", []r53types.Change{r53Simple(create, "v6.example.com", "AAAA", 300, "192.0.2.1")},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '192.0.2.1'']"},
		{"unquoted txt", []r53types.Change{r53Simple(create, "t.example.com", "TXT", 300, "hello world")},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with 'hello world'']"},
		{"long txt string", []r53types.Change{r53Simple(create, "t.example.com", "TXT", 300, `"`+strings.Repeat("x", 256)+`"`)},
			"InvalidChangeBatch", "[Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too long) encountered with '\"" + strings.Repeat("x", 256) + "\"'']"},
		{"duplicate value", []r53types.Change{r53Simple(create, "d.example.com", "A", 300, "192.0.2.1", "192.0.2.1")},
			"InvalidChangeBatch", "[Duplicate Resource Record: '192.0.2.1']"},
		{"bad label", []r53types.Change{r53Simple(create, "a..example.com", "A", 300, "192.0.2.1")},
			"InvalidChangeBatch", "[FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with 'a..example.com']"},
		{"two cname values", []r53types.Change{r53Simple(create, "c2.example.com", "CNAME", 300, "a.example.net", "b.example.net")},
			"InvalidChangeBatch", ""},
		{"delete SOA", []r53types.Change{}, "", ""}, // filled below
		{"same set twice", []r53types.Change{r53Simple(create, "x.example.com", "A", 300, "192.0.2.1"), r53Simple(upsert, "x.example.com", "A", 300, "192.0.2.2")},
			"InvalidChangeBatch", "[The request contains an invalid set of changes for a resource record set 'A x.example.com.']"},
		{"alias and ttl", []r53types.Change{{Action: create, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("al.example.com"), Type: "A", TTL: aws.Int64(60),
			AliasTarget: &r53types.AliasTarget{HostedZoneId: aws.String(CloudFrontHostedZoneID), DNSName: aws.String("d111.cloudfront.net")}}}},
			"InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=CREATE, Name=al.example.com, Type=A, SetIdentifier=null]"},
		{"no ttl", []r53types.Change{{Action: create, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("nt.example.com"), Type: "A",
			ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("192.0.2.1")}}}}},
			"InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=CREATE, Name=nt.example.com, Type=A, SetIdentifier=null]"},
		{"weighted routing", []r53types.Change{{Action: create, ResourceRecordSet: &r53types.ResourceRecordSet{Name: aws.String("w.example.com"), Type: "A", TTL: aws.Int64(60),
			SetIdentifier: aws.String("one"), Weight: aws.Int64(10), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("192.0.2.1")}}}}},
			"InvalidInput", ""},
	}
	order := r53List(t, client, id)
	if strings.Join(order, ",") != `example.com. MX,example.com. NS,example.com. SOA,example.com. TXT,\052.example.com. AAAA,app.example.com. CNAME,www.example.com. A` {
		t.Fatalf("order = %v", order)
	}
	recs, _ := client.ListResourceRecordSets(ctx(t), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordName: aws.String("example.com"), StartRecordType: "SOA", MaxItems: aws.Int32(1)})
	cases[17].changes = []r53types.Change{{Action: del, ResourceRecordSet: &recs.ResourceRecordSets[0]}}
	cases[17].code, cases[17].msg = "InvalidChangeBatch", "[A HostedZone must contain exactly one SOA record.]"
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r53Apply(t, client, id, tc.changes...)
			wantAPIError(t, err, tc.code, 400, tc.msg)
		})
	}

	// A batch is atomic: one bad change leaves every other one undone.
	before := r53List(t, client, id)
	_, err := r53Apply(t, client, id,
		r53Simple(create, "new1.example.com", "A", 300, "192.0.2.1"),
		r53Simple(del, "www.example.com", "A", 300, "192.0.2.1", "192.0.2.2"),
		r53Simple(create, "www.example.com", "A", 300, "192.0.2.3"),
		r53Simple(create, "app.example.com", "CNAME", 300, "www.example.com"),
	)
	wantAPIError(t, err, "InvalidChangeBatch", 400, "[Tried to create resource record set [name='app.example.com.', type='CNAME'] but it already exists]")
	if after := r53List(t, client, id); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("failed batch changed the zone: %v → %v", before, after)
	}
	// DELETE then CREATE of the same set in one batch replaces it; UPSERT
	// replaces too, and DELETE needs the exact current values in any order.
	if _, err := r53Apply(t, client, id,
		r53Simple(del, "www.example.com", "A", 300, "192.0.2.2", "192.0.2.1"),
		r53Simple(create, "www.example.com", "A", 300, "192.0.2.3"),
		r53Simple(upsert, "app.example.com", "CNAME", 60, "other.example.net"),
	); err != nil {
		t.Fatal(err)
	}
	recs, err = client.ListResourceRecordSets(ctx(t), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordName: aws.String("app.example.com"), MaxItems: aws.Int32(1)})
	if err != nil || aws.ToString(recs.ResourceRecordSets[0].ResourceRecords[0].Value) != "other.example.net" || aws.ToInt64(recs.ResourceRecordSets[0].TTL) != 60 {
		t.Fatalf("upserted = %+v %v", recs, err)
	}
}

func TestRoute53ListOrderAndPagination(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := r53Client(e)
	id := aws.ToString(r53CreateZone(t, client, "example.com", "ref").HostedZone.Id)
	create := r53types.ChangeActionCreate
	if _, err := r53Apply(t, client, id,
		r53Simple(create, "b.example.com", "A", 60, "192.0.2.1"),
		r53Simple(create, "a.b.example.com", "A", 60, "192.0.2.2"),
		r53Simple(create, "a.example.com", "TXT", 60, `"x"`),
		r53Simple(create, "a.example.com", "A", 60, "192.0.2.3"),
		r53Simple(create, "*.example.com", "A", 60, "192.0.2.4"),
		r53Simple(create, "z.example.com", "AAAA", 60, "2001:db8::2"),
	); err != nil {
		t.Fatal(err)
	}
	want := []string{"example.com. NS", "example.com. SOA", "\\052.example.com. A", "a.example.com. A", "a.example.com. TXT",
		"b.example.com. A", "a.b.example.com. A", "z.example.com. AAAA"}
	if got := r53List(t, client, id); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order = %v\nwant    %v", got, want)
	}
	var pages int
	var all []string
	p := route53.NewListResourceRecordSetsPaginator(client, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range page.ResourceRecordSets {
			all = append(all, aws.ToString(r.Name)+" "+string(r.Type))
		}
	}
	if pages != 3 || strings.Join(all, ",") != strings.Join(want, ",") {
		t.Fatalf("pages = %d, records = %v", pages, all)
	}
	page, err := client.ListResourceRecordSets(ctx(t), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordName: aws.String("a.example.com"), StartRecordType: "TXT", MaxItems: aws.Int32(2)})
	if err != nil || aws.ToString(page.ResourceRecordSets[0].Name) != "a.example.com." || page.ResourceRecordSets[0].Type != "TXT" ||
		!page.IsTruncated || aws.ToString(page.NextRecordName) != "a.b.example.com." || page.NextRecordType != "A" {
		t.Fatalf("start = %+v %v", page, err)
	}
	_, err = client.ListResourceRecordSets(ctx(t), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordType: "A"})
	wantAPIError(t, err, "InvalidInput", 400, "")

	// The resolver answers wildcards only for names that do not exist.
	e.Clock().Advance(2 * time.Minute)
	if ans := e.ResolveRoute53("nothing.example.com"); len(ans) != 1 || ans[0].Name != "\\052.example.com." || ans[0].Values[0] != "192.0.2.4" {
		t.Fatalf("wildcard = %+v", ans)
	}
	if ans := e.ResolveRoute53("a.example.com"); len(ans) != 2 || ans[0].Type != "A" || ans[1].Type != "TXT" {
		t.Fatalf("exact = %+v", ans)
	}
	if ans := e.ResolveRoute53("x.b.example.com"); len(ans) != 0 {
		t.Fatalf("wildcard crossed an existing name: %+v", ans)
	}
	if ans := e.ResolveRoute53("www.example.org"); ans != nil {
		t.Fatalf("no zone: %+v", ans)
	}
}

func TestRoute53AliasTargets(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := r53Client(e)
	id := aws.ToString(r53CreateZone(t, client, "example.com", "ref").HostedZone.Id)
	zone := strings.TrimPrefix(id, "/hostedzone/")
	create := r53types.ChangeActionCreate

	// A CloudFront alias needs a live distribution that lists the name.
	cfg := cfTestConfig("alias-ref")
	cfg.Aliases = &cftypes.Aliases{Quantity: aws.Int32(1), Items: []string{"cdn.example.com"}}
	certs := acmClient(e)
	req, err := certs.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("cdn.example.com"), ValidationMethod: acmtypes.ValidationMethodDns})
	if err != nil {
		t.Fatal(err)
	}
	acmValidate(t, e, "us-east-1", aws.ToString(req.CertificateArn))
	e.Clock().Advance(time.Minute)
	cfg.ViewerCertificate = &cftypes.ViewerCertificate{ACMCertificateArn: req.CertificateArn, SSLSupportMethod: cftypes.SSLSupportMethodSniOnly, MinimumProtocolVersion: cftypes.MinimumProtocolVersionTLSv122021}
	dist, err := cfClient(e).CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	cfDomain := aws.ToString(dist.Distribution.DomainName)
	_, err = r53Apply(t, client, id, r53AliasChange(create, "cdn.example.com", "A", CloudFrontHostedZoneID, "d0000000000000.cloudfront.net"))
	wantAPIError(t, err, "InvalidChangeBatch", 400, "[Tried to create an alias that targets d0000000000000.cloudfront.net., type A in zone Z2FDTNDATAQYW2, but the alias target name does not lie within the target zone]")
	_, err = r53Apply(t, client, id, r53AliasChange(create, "other.example.com", "A", CloudFrontHostedZoneID, cfDomain))
	wantAPIError(t, err, "InvalidChangeBatch", 400, "")
	_, err = r53Apply(t, client, id, r53AliasChange(create, "cdn.example.com", "CNAME", CloudFrontHostedZoneID, cfDomain))
	wantAPIError(t, err, "InvalidChangeBatch", 400, "")
	evaluate := r53AliasChange(create, "cdn.example.com", "A", CloudFrontHostedZoneID, cfDomain)
	evaluate.ResourceRecordSet.AliasTarget.EvaluateTargetHealth = true
	_, err = r53Apply(t, client, id, evaluate)
	wantAPIError(t, err, "InvalidChangeBatch", 400, "")
	if _, err := r53Apply(t, client, id,
		r53AliasChange(create, "cdn.example.com", "A", CloudFrontHostedZoneID, cfDomain),
		r53AliasChange(create, "cdn.example.com", "AAAA", CloudFrontHostedZoneID, strings.ToUpper(cfDomain)+"."),
	); err != nil {
		t.Fatal(err)
	}

	// An ALB alias uses the zone ELBv2 reports for the load balancer.
	lb := createTestLoadBalancer(t, e, "web")
	if aws.ToString(lb.CanonicalHostedZoneId) != "Z35SXDOTRQ7X7K" {
		t.Fatalf("canonical zone = %s", aws.ToString(lb.CanonicalHostedZoneId))
	}
	_, err = r53Apply(t, client, id, r53AliasChange(create, "app.example.com", "A", "Z3AADJGX6KTTL2", aws.ToString(lb.DNSName)))
	wantAPIError(t, err, "InvalidChangeBatch", 400, "")
	albAlias := r53AliasChange(create, "app.example.com", "A", aws.ToString(lb.CanonicalHostedZoneId), "dualstack."+aws.ToString(lb.DNSName))
	albAlias.ResourceRecordSet.AliasTarget.EvaluateTargetHealth = true
	if _, err := r53Apply(t, client, id, albAlias); err != nil {
		t.Fatal(err)
	}
	// An alias to a record of the same zone needs that record.
	_, err = r53Apply(t, client, id, r53AliasChange(create, "www.example.com", "A", zone, "missing.example.com"))
	wantAPIError(t, err, "InvalidChangeBatch", 400, "[Tried to create an alias that targets missing.example.com., type A in zone "+zone+", but that target was not found]")
	if _, err := r53Apply(t, client, id, r53AliasChange(create, "www.example.com", "A", zone, "app.example.com")); err != nil {
		t.Fatal(err)
	}

	// DELETE must name the alias exactly, EvaluateTargetHealth included.
	plain := r53AliasChange(r53types.ChangeActionDelete, "app.example.com", "A", aws.ToString(lb.CanonicalHostedZoneId), "dualstack."+aws.ToString(lb.DNSName))
	_, err = r53Apply(t, client, id, plain)
	wantAPIError(t, err, "InvalidChangeBatch", 400, "[Tried to delete resource record set [name='app.example.com.', type='A'] but the values provided do not match the current values]")

	e.Clock().Advance(2 * time.Minute)
	ans := e.ResolveRoute53("cdn.example.com")
	if len(ans) != 2 || ans[0].Alias == nil || ans[0].Alias.Kind != "cloudfront" || ans[0].Alias.DNSName != cfDomain+"." {
		t.Fatalf("cdn = %+v", ans)
	}
	ans = e.ResolveRoute53("app.example.com")
	if len(ans) != 1 || ans[0].Alias.Kind != "elb" || ans[0].Alias.DNSName != strings.ToLower("dualstack."+aws.ToString(lb.DNSName))+"." || !ans[0].Alias.EvaluateTargetHealth {
		t.Fatalf("app = %+v", ans[0].Alias)
	}
	ans = e.ResolveRoute53("www.example.com")
	if len(ans) != 1 || ans[0].Alias.Kind != "record" || ans[0].Alias.DNSName != "app.example.com." {
		t.Fatalf("www = %+v", ans)
	}
	recs, err := client.ListResourceRecordSets(ctx(t), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordName: aws.String("cdn.example.com"), MaxItems: aws.Int32(1)})
	if err != nil || recs.ResourceRecordSets[0].AliasTarget == nil || recs.ResourceRecordSets[0].TTL != nil ||
		aws.ToString(recs.ResourceRecordSets[0].AliasTarget.DNSName) != cfDomain+"." {
		t.Fatalf("listed alias = %+v %v", recs, err)
	}
}

// createTestLoadBalancer creates an internet-facing ALB in a fresh VPC of
// us-east-1.
func createTestLoadBalancer(t *testing.T, e *Emulator, name string) elbtypes.LoadBalancer {
	t.Helper()
	c := ec2.NewFromConfig(sdkConfig(e, "us-east-1"))
	vpc, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.40.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.40." + itoa(int64(i)) + ".0/24"), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	sg, err := c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: vpc.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	out, err := elbv2.NewFromConfig(sdkConfig(e, "us-east-1")).CreateLoadBalancer(ctx(t), &elbv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: subnets, SecurityGroups: []string{aws.ToString(sg.GroupId)}})
	if err != nil {
		t.Fatal(err)
	}
	return out.LoadBalancers[0]
}

func TestRoute53TagsLimitsAndQuotas(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"quota.L-4EA4796A": "1", "quota.L-E209CC9F": "4"}})
	client := r53Client(e)
	id := aws.ToString(r53CreateZone(t, client, "example.com", "ref").HostedZone.Id)
	zone := strings.TrimPrefix(id, "/hostedzone/")
	_, err := client.CreateHostedZone(ctx(t), &route53.CreateHostedZoneInput{Name: aws.String("example.net"), CallerReference: aws.String("ref-2")})
	var tooMany *r53types.TooManyHostedZones
	if !errors.As(err, &tooMany) {
		t.Fatalf("want TooManyHostedZones, got %v", err)
	}
	count, err := client.GetHostedZoneCount(ctx(t), &route53.GetHostedZoneCountInput{})
	if err != nil || aws.ToInt64(count.HostedZoneCount) != 1 {
		t.Fatalf("count = %+v %v", count, err)
	}
	upd, err := client.UpdateHostedZoneComment(ctx(t), &route53.UpdateHostedZoneCommentInput{Id: aws.String(id), Comment: aws.String("managed by geusemaker")})
	if err != nil || aws.ToString(upd.HostedZone.Config.Comment) != "managed by geusemaker" {
		t.Fatalf("comment = %+v %v", upd, err)
	}
	_, err = client.UpdateHostedZoneComment(ctx(t), &route53.UpdateHostedZoneCommentInput{Id: aws.String(id), Comment: aws.String(strings.Repeat("c", 257))})
	wantAPIError(t, err, "InvalidInput", 400, "")
	lim, err := client.GetAccountLimit(ctx(t), &route53.GetAccountLimitInput{Type: r53types.AccountLimitTypeMaxHostedZonesByOwner})
	if err != nil || lim.Count != 1 || aws.ToInt64(lim.Limit.Value) != 1 {
		t.Fatalf("account limit = %+v %v", lim, err)
	}
	create := r53types.ChangeActionCreate
	if _, err := r53Apply(t, client, id, r53Simple(create, "a.example.com", "A", 60, "192.0.2.1"), r53Simple(create, "b.example.com", "A", 60, "192.0.2.2")); err != nil {
		t.Fatal(err)
	}
	_, err = r53Apply(t, client, id, r53Simple(create, "c.example.com", "A", 60, "192.0.2.3"))
	wantAPIError(t, err, "InvalidChangeBatch", 400, "")
	zl, err := client.GetHostedZoneLimit(ctx(t), &route53.GetHostedZoneLimitInput{HostedZoneId: aws.String(zone), Type: r53types.HostedZoneLimitTypeMaxRrsetsByZone})
	if err != nil || zl.Count != 4 || aws.ToInt64(zl.Limit.Value) != 4 {
		t.Fatalf("zone limit = %+v %v", zl, err)
	}

	if _, err := client.ChangeTagsForResource(ctx(t), &route53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(zone),
		AddTags: []r53types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}, {Key: aws.String("tmp"), Value: aws.String("x")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ChangeTagsForResource(ctx(t), &route53.ChangeTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(zone),
		RemoveTagKeys: []string{"tmp"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := client.ListTagsForResource(ctx(t), &route53.ListTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String(zone)})
	if err != nil || len(tags.ResourceTagSet.Tags) != 1 || aws.ToString(tags.ResourceTagSet.Tags[0].Value) != "demo" || aws.ToString(tags.ResourceTagSet.ResourceId) != zone {
		t.Fatalf("tags = %+v %v", tags, err)
	}
	_, err = client.ListTagsForResource(ctx(t), &route53.ListTagsForResourceInput{ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: aws.String("ZNOSUCHZONE")})
	var nf *r53types.NoSuchHostedZone
	if !errors.As(err, &nf) {
		t.Fatalf("want NoSuchHostedZone, got %v", err)
	}
	inv := e.Inventory()
	if len(inv) != 3 || inv[0].Type != "hosted-zone" || inv[0].Tags["geusemaker:deployment"] != "demo" || inv[1].ID != zone+"/a.example.com./A" {
		t.Fatalf("inventory = %+v", inv)
	}
}
