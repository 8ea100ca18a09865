package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

// domainName is the deployment's name in z. Each test has its own zone
// apex: the acceptance tests' data plane router sends a request to the one
// emulator whose DNS answers the name, as public DNS answers from the one
// delegated zone, so two tests must not serve the same name.
func domainName(z *emutest.UserZone) string { return "ai." + z.Name }

// zoneApex is a zone name of the test's own under example.com.
func zoneApex(t *testing.T) string {
	n := strings.ToLower(strings.TrimPrefix(t.Name(), "TestAccDeployment_"))
	n = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(n, "-")
	if len(n) > 40 { // a label is at most 63 characters
		n = n[len(n)-40:]
	}
	return strings.Trim(n, "-") + ".example.com"
}

// domainEmulator is an emulator in which names resolve only through Route 53
// (no "external DNS" for CloudFront aliases or certificate names), with the
// user's zone for example.com and records of their own in it.
// knobs are set once the zone is made.
func domainEmulator(t *testing.T, knobs map[string]string) (*awsemu.Emulator, *emutest.UserZone) {
	t.Helper()
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"dataplane.external_dns": "none"} })
	apex := zoneApex(t)
	z := emutest.CreateUserZone(t, emu, apex,
		emutest.UserRecord("www."+apex, "A", "198.51.100.7"),
		emutest.UserRecord(apex, "MX", "10 mail."+apex))
	for k, v := range knobs {
		emu.SetKnob(k, v)
	}
	return emu, z
}

func domainBody(tier int, z *emutest.UserZone, extra string) string {
	return fmt.Sprintf(`  tier = %d
  domain = {
    name            = %q
    route53_zone_id = %q
  }
%s`, tier, domainName(z), z.ID, extra)
}

// attr reads an attribute of the deployment from the state.
func attr(s *terraform.State, name string) string {
	return s.RootModule().Resources[deploymentAddr].Primary.Attributes[name]
}

// checkDomainTier checks what the domain needs in a tier: the records in
// the zone (pointing at the instance, the load balancer or CloudFront), the
// certificates issued, and the data plane serving the name.
func checkDomainTier(emu *awsemu.Emulator, z *emutest.UserZone, tier int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		t := &fakeT{}
		a := z.Record(t, emu, domainName(z), "A")
		aaaa := z.Record(t, emu, domainName(z), "AAAA")
		origin := z.Record(t, emu, "origin."+domainName(z), "A")
		if t.err != nil {
			return t.err
		}
		alias := func(r string) string {
			if a == nil || a.AliasTarget == nil {
				return ""
			}
			return strings.TrimSuffix(aws.ToString(a.AliasTarget.DNSName), ".")
		}
		switch tier {
		case 1:
			if a == nil || a.AliasTarget != nil || aws.ToString(a.ResourceRecords[0].Value) != attr(s, "public_ip") || aaaa != nil || origin != nil {
				return fmt.Errorf("tier 1: A %+v AAAA %+v origin %+v; public_ip %s", a, aaaa, origin, attr(s, "public_ip"))
			}
		case 2:
			if !strings.EqualFold(alias("A"), attr(s, "alb_dns_name")) || aaaa != nil || origin != nil {
				return fmt.Errorf("tier 2: A %+v AAAA %+v origin %+v", a, aaaa, origin)
			}
		case 3:
			if alias("A") != attr(s, "cloudfront_domain_name") || aaaa == nil || aaaa.AliasTarget == nil ||
				origin == nil || origin.AliasTarget == nil || !strings.EqualFold(strings.TrimSuffix(aws.ToString(origin.AliasTarget.DNSName), "."), attr(s, "alb_dns_name")) {
				return fmt.Errorf("tier 3: A %+v AAAA %+v origin %+v", a, aaaa, origin)
			}
		}
		certs := map[string]string{}
		for k, v := range s.RootModule().Resources[deploymentAddr].Primary.Attributes {
			if use, ok := strings.CutPrefix(k, "domain_certificate_arns."); ok && use != "%" {
				certs[use] = v
			}
		}
		want := map[int]int{1: 0, 2: 1, 3: 2}[tier]
		if len(certs) != want || (tier > 1 && !strings.Contains(certs["load_balancer"], ":us-east-1:")) || (tier == 3 && !strings.Contains(certs["cloudfront"], ":us-east-1:")) {
			return fmt.Errorf("tier %d certificates %v", tier, certs)
		}
		issued := 0
		for _, r := range emu.Inventory() {
			if r.Service == "acm" {
				if r.State != "ISSUED" {
					return fmt.Errorf("certificate %s is %s", r.ID, r.State)
				}
				issued++
			}
		}
		if issued != want {
			return fmt.Errorf("tier %d: %d certificates in ACM, want %d", tier, issued, want)
		}
		scheme := map[bool]string{true: "http", false: "https"}[tier == 1]
		if got := attr(s, "url"); got != scheme+"://"+domainName(z) {
			return fmt.Errorf("url %q", got)
		}
		if got := attr(s, "service_urls.n8n"); got != scheme+"://"+domainName(z)+"/" {
			return fmt.Errorf("service_urls.n8n %q", got)
		}
		status, body, err := emutest.Fetch(emu, scheme+"://"+domainName(z)+"/healthz")
		if err != nil {
			return err
		}
		if status != 200 {
			return fmt.Errorf("GET %s://%s/healthz: %d\n%s", scheme, domainName(z), status, body)
		}
		if tier > 1 {
			status, _, err := emutest.Fetch(emu, "http://"+domainName(z)+"/healthz")
			if err != nil {
				return err
			}
			if status != 301 {
				return fmt.Errorf("GET http://%s/healthz: %d, want the redirect to HTTPS", domainName(z), status)
			}
		}
		return nil
	}
}

// fakeT lets the zone helpers report into a check's error.
type fakeT struct {
	testing.TB
	err error
}

func (f *fakeT) Helper()                   {}
func (f *fakeT) Fatal(args ...any)         { f.err = fmt.Errorf("%s", fmt.Sprint(args...)) }
func (f *fakeT) Fatalf(s string, a ...any) { f.err = fmt.Errorf(s, a...) }

func domainImportStep(name string) resource.TestStep {
	return resource.TestStep{ResourceName: deploymentAddr, ImportState: true, ImportStateId: name, ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore}
}

func TestAccDeployment_domainTier1(t *testing.T) {
	acctest.PreCheck(t)
	emu, z := domainEmulator(t, nil)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("dom1", domainBody(1, z, ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             z.CheckDestroy(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("url"), knownvalue.StringExact("http://"+domainName(z))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("domain_certificate_arns"), knownvalue.Null()),
				},
				Check: checkDomainTier(emu, z, 1),
			},
			domainImportStep("dom1"),
			{
				// Stopped and started outside Terraform: a new public address.
				// The plan shows the deployment degraded; the apply moves the
				// record to the new address.
				PreConfig: func() { restartInstance(t, emu, "dom1") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
				}},
				Check: checkDomainTier(emu, z, 1),
			},
		},
	})
}

// restartInstance stops and starts a deployment's instance outside
// Terraform, which gives it another public address.
func restartInstance(t *testing.T, emu *awsemu.Emulator, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := ec2.NewFromConfig(acctest.SDKConfig(emu, ""))
	out, err := conn.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:geusemaker:deployment"), Values: []string{name}},
		{Name: aws.String("instance-state-name"), Values: []string{"running"}},
	}})
	if err != nil || len(out.Reservations) != 1 {
		t.Fatalf("finding the instance: %v %+v", err, out)
	}
	inst := out.Reservations[0].Instances[0]
	id := aws.ToString(inst.InstanceId)
	if _, err := conn.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewInstanceStoppedWaiter(conn).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Minute, func(o *ec2.InstanceStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	started, err := ec2.NewInstanceRunningWaiter(conn).WaitForOutput(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Minute, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	if now := aws.ToString(started.Reservations[0].Instances[0].PublicIpAddress); now == aws.ToString(inst.PublicIpAddress) {
		t.Fatalf("the restarted instance kept its address %s", now)
	}
}

func TestAccDeployment_domainTier2(t *testing.T) {
	acctest.PreCheck(t)
	emu, z := domainEmulator(t, nil)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("dom2", domainBody(2, z, ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             z.CheckDestroy(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("domain_certificate_arns")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("url"), knownvalue.StringExact("https://"+domainName(z))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("listener_arns"), knownvalue.ListSizeExact(2)),
				},
				Check: checkDomainTier(emu, z, 2),
			},
			domainImportStep("dom2"),
		},
	})
}

func TestAccDeployment_domainTier3(t *testing.T) {
	acctest.PreCheck(t)
	emu, z := domainEmulator(t, nil)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("dom3", domainBody(3, z, ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             z.CheckDestroy(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("url"), knownvalue.StringExact("https://"+domainName(z))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cdn").AtMapKey("aliases"), knownvalue.ListExact(nil)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkDomainTier(emu, z, 3), checkOriginHTTPS(emu, z)),
			},
			domainImportStep("dom3"),
			{
				// Two tiers down at once: the name goes straight from
				// CloudFront to the instance; both certificates go.
				Config: acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("dom3", domainBody(1, z, "")),
				Check:  checkDomainTier(emu, z, 1),
			},
		},
	})
}

// checkOriginHTTPS checks that CloudFront reached the load balancer at the
// origin name over HTTPS, never plain HTTP.
func checkOriginHTTPS(emu *awsemu.Emulator, z *emutest.UserZone) resource.TestCheckFunc {
	return func(*terraform.State) error {
		reqs := emu.DataPlaneRequests(0)
		for i := len(reqs) - 1; i >= 0; i-- {
			for _, h := range reqs[i].Hops {
				if strings.HasPrefix(h.Text, "cloudfront→alb") {
					if !strings.Contains(h.Text, "origin."+domainName(z)) {
						return fmt.Errorf("CloudFront reached the load balancer as %q", h.Text)
					}
					return nil
				}
			}
		}
		return fmt.Errorf("no request went from CloudFront to the load balancer")
	}
}

// A tier change moves the records and certificates with it, in place; the
// load balancer keeps its certificate from tier 2 to tier 3.
func TestAccDeployment_domainTierChanges(t *testing.T) {
	acctest.PreCheck(t)
	emu, z := domainEmulator(t, nil)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	sameInstance := statecheck.CompareValue(compare.ValuesSame())
	sameLBCert := statecheck.CompareValue(compare.ValuesSame())
	step := func(tier int) resource.TestStep {
		s := resource.TestStep{
			Config: provider + deploymentConfig("moves", domainBody(tier, z, "")),
			ConfigStateChecks: []statecheck.StateCheck{
				sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
			},
			Check: checkDomainTier(emu, z, tier),
		}
		if tier > 1 {
			s.ConfigStateChecks = append(s.ConfigStateChecks, sameLBCert.AddStateValue(deploymentAddr, tfjsonpath.New("domain_certificate_arns").AtMapKey("load_balancer")))
		}
		return s
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             z.CheckDestroy(emu),
		Steps:                    []resource.TestStep{step(1), step(2), step(3), step(2), step(1)},
	})
}

// An update interrupted while ACM validates keeps the requested certificate
// in the state; the next apply continues with it instead of requesting
// another.
func TestAccDeployment_domainResumesValidation(t *testing.T) {
	acctest.PreCheck(t)
	emu, z := domainEmulator(t, nil)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	requests := func() int {
		n := 0
		for _, c := range emu.Calls() {
			if c.Service == "acm" && c.Operation == "RequestCertificate" {
				n++
			}
		}
		return n
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             z.CheckDestroy(emu),
		Steps: []resource.TestStep{
			{Config: provider + deploymentConfig("resume", domainBody(1, z, ""))},
			{
				PreConfig:   func() { emu.SetKnob("acm.issue_delay", "never") },
				Config:      provider + deploymentConfig("resume", domainBody(2, z, `  timeouts = { update = "1m" }`)),
				ExpectError: regexp.MustCompile(`(?s)Certificate not validated.*PENDING_VALIDATION.*validation records are in hosted zone`),
			},
			{
				PreConfig: func() {
					if n := requests(); n != 1 {
						t.Fatalf("%d certificate requests before resuming, want 1", n)
					}
					emu.SetKnob("acm.issue_delay", "60s")
				},
				Config: provider + deploymentConfig("resume", domainBody(2, z, "")),
				Check: resource.ComposeAggregateTestCheckFunc(checkDomainTier(emu, z, 2), func(*terraform.State) error {
					if n := requests(); n != 1 {
						return fmt.Errorf("%d certificate requests, want 1: the resumed apply requested another", n)
					}
					return nil
				}),
			},
		},
	})
}

// calls since mark that changed something other than the test's zone.
func mutatingCallsSince(emu *awsemu.Emulator, mark int) []string {
	var out []string
	for _, c := range emu.Calls()[mark:] {
		for _, p := range []string{"Create", "Run", "Put", "Request", "Change", "Register", "Authorize"} {
			if strings.HasPrefix(c.Operation, p) {
				out = append(out, c.Service+"."+c.Operation)
				break
			}
		}
	}
	return out
}

func TestAccDeployment_domainPlanErrors(t *testing.T) {
	acctest.PreCheck(t)
	for _, tc := range []struct {
		name, want string
		body       func(z *emutest.UserZone) string
	}{
		{"name outside the zone", `(?s)Name outside the hosted zone.*\d+:\s+domain = \{.*ai\.example\.org.*example\.com`, func(z *emutest.UserZone) string {
			return fmt.Sprintf("  tier = 2\n  domain = { name = \"ai.example.org\", route53_zone_id = %q }", z.ID)
		}},
		{"zone not found", `(?s)Hosted zone not found.*\d+:\s+domain = \{.*Z0000000000NOSUCHZONE`, func(*emutest.UserZone) string {
			return "  tier = 2\n  domain = { name = \"ai.example.com\", route53_zone_id = \"Z0000000000NOSUCHZONE\" }"
		}},
		{"record in the way", `(?s)DNS record exists.*\d+:\s+domain = \{.*www\..*example\.com.*198\.51\.100\.7.*never\s+overwrites`, func(z *emutest.UserZone) string {
			return fmt.Sprintf("  tier = 2\n  domain = { name = \"www.%s\", route53_zone_id = %q }", z.Name, z.ID)
		}},
		{"conflicts with cdn.aliases", `(?s)Conflicts with domain.*remove\s+cdn\.aliases`, func(z *emutest.UserZone) string {
			return domainBody(3, z, fmt.Sprintf("  cdn = { aliases = [%q] }", domainName(z)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, z := domainEmulator(t, nil)
			mark := len(emu.Calls())
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("bad", tc.body(z)),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if calls := mutatingCallsSince(emu, mark); len(calls) > 0 {
				t.Fatalf("a plan-time error reached AWS: %v", calls)
			}
			if err := z.CheckDestroy(emu)(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Failures the plan cannot know fail the apply on the domain's attribute
// and roll back everything, leaving the zone as it was.
func TestAccDeployment_domainApplyFailures(t *testing.T) {
	acctest.PreCheck(t)
	for _, tc := range []struct {
		name  string
		tier  int
		knobs map[string]string
		want  string
	}{
		// The plan's permission check would refuse these (see
		// TestAccDeployment_preflightPermissionDenied); a caller that may not
		// simulate its policies gets past it, and the apply must still fail
		// cleanly.
		{"zone the caller may not change", 2, map[string]string{"iam.deny": "route53:ChangeResourceRecordSets,iam:SimulatePrincipalPolicy"},
			`(?s)Hosted zone not writable.*\d+:\s+domain = \{.*route53:ChangeResourceRecordSets.*Rollback: every AWS object`},
		{"zone the caller may not change, tier 1", 1, map[string]string{"iam.deny": "route53:ChangeResourceRecordSets,iam:SimulatePrincipalPolicy"},
			`(?s)Hosted zone not writable.*Rollback: every AWS object`},
		{"certificate that never validates", 3, map[string]string{"acm.issue_delay": "never", "acm.validation_timeout": "30m"},
			`(?s)Certificate not validated.*\d+:\s+domain = \{.*VALIDATION_TIMED_OUT.*delegate to this hosted\s+zone.*Rollback: every AWS object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, z := domainEmulator(t, tc.knobs)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("fails", domainBody(tc.tier, z, "")),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if err := z.CheckDestroy(emu)(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}
