package provider_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// webClient is what any program in this process gets: Go's defaults, which
// read HTTPS_PROXY and SSL_CERT_FILE (set by acctest.SetupEnv). No redirects
// are followed, so each answer is seen as it is.
func webClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	return &http.Client{Transport: t, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get requests u with the headers and returns the status and body.
func get(u string, header map[string]string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := webClient().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func attrs(s *terraform.State) map[string]string {
	return s.RootModule().Resources[deploymentAddr].Primary.Attributes
}

// checkRoutes proves through the data plane that the public URL serves the
// health path without a credential and each service route only with its
// credential from service_credentials.
func checkRoutes(s *terraform.State) error {
	a := attrs(s)
	base := a["url"]
	for _, c := range []struct {
		path   string
		header map[string]string
		want   int
	}{
		{"/healthz", nil, 200},
		{"/api/ollama/api/tags", nil, 401},
		{"/api/ollama/api/tags", map[string]string{"Authorization": "Bearer " + a["service_credentials.ollama_api_key"]}, 200},
		{"/api/ollama/api/tags", map[string]string{"Authorization": "Bearer " + a["service_credentials.qdrant_api_key"]}, 401},
		{"/qdrant/collections", nil, 401},
		{"/qdrant/collections", map[string]string{"api-key": a["service_credentials.qdrant_api_key"]}, 200},
		{"/qdrant-ui/", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("qdrant:"+a["service_credentials.qdrant_api_key"]))}, 200},
		{"/crawl4ai/crawl", nil, 401},
		{"/crawl4ai/crawl", map[string]string{"Authorization": "Bearer " + a["service_credentials.crawl4ai_token"]}, 200},
		{"/rest/owner/setup", nil, 403},
	} {
		status, body, err := get(base+c.path, c.header)
		if err != nil {
			return fmt.Errorf("GET %s%s: %w", base, c.path, err)
		}
		if status != c.want {
			return fmt.Errorf("GET %s%s with %d header(s): %d, want %d\n%s", base, c.path, len(c.header), status, c.want, body)
		}
	}
	return nil
}

// checkProbed proves from the emulator's request log that the provider's
// check asked the public URL for its health path (and got 200) after
// request number since, and in tier 3 with origin protection asked the load
// balancer directly and was refused.
func checkProbed(emu *awsemu.Emulator, since *int, direct bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		a := attrs(s)
		var health, refused bool
		for _, r := range emu.DataPlaneRequests(*since) {
			switch {
			case r.URL == a["url"]+"/healthz" && r.Status == 200:
				health = true
			case r.URL == "http://"+a["alb_dns_name"]+"/healthz" && strings.HasPrefix(r.Error, "timeout"):
				refused = true
			}
		}
		if !health || refused != direct {
			return fmt.Errorf("after request %d: health check of %s seen %v, refused direct request seen %v (want %v)", *since, a["url"], health, refused, direct)
		}
		return nil
	}
}

func markRequests(emu *awsemu.Emulator, since *int) func() {
	return func() {
		if reqs := emu.DataPlaneRequests(0); len(reqs) > 0 {
			*since = reqs[len(reqs)-1].Seq
		}
	}
}

// Tier 3: the credentials are generated, sensitive in state, in SSM as
// SecureStrings and not in the user data; every route asks for its
// credential through CloudFront; the check after apply reached the stack;
// import verifies; a new owner email and a rotation replace only the
// instance; destroy deletes the parameters too.
func TestAccDeployment_credentialsTier3(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	config := func(extra string) string {
		return provider + deploymentConfig("sec3", "  tier = 3\n  n8n_owner_email = \"ops@example.com\"\n"+extra)
	}
	sameEFS, sameALB, sameCDN := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame())
	instances := statecheck.CompareValue(compare.ValuesDiffer())
	keptKey, rotatedKey := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesDiffer())
	ollamaKey := tfjsonpath.New("service_credentials").AtMapKey("ollama_api_key")
	keep := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{
			sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
			sameALB.AddStateValue(deploymentAddr, tfjsonpath.New("alb_arn")),
			sameCDN.AddStateValue(deploymentAddr, tfjsonpath.New("cloudfront_distribution_id")),
			instances.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
		}
	}
	key := knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`))
	var since int
	var first map[string]string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("service_credentials")),
					plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("ssm_parameter_names"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("/geusemaker/sec3/n8n-owner-email"), knownvalue.StringExact("/geusemaker/sec3/n8n-owner-password"),
						knownvalue.StringExact("/geusemaker/sec3/ollama-api-key"), knownvalue.StringExact("/geusemaker/sec3/qdrant-api-key"),
						knownvalue.StringExact("/geusemaker/sec3/crawl4ai-token")})),
				}},
				ConfigStateChecks: append(keep(),
					statecheck.ExpectSensitiveValue(deploymentAddr, tfjsonpath.New("service_credentials")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("service_credentials"), knownvalue.MapExact(map[string]knownvalue.Check{
						"n8n_owner_email":    knownvalue.StringExact("ops@example.com"),
						"n8n_owner_password": knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)),
						"ollama_api_key":     key, "qdrant_api_key": key, "crawl4ai_token": key,
					})),
					keptKey.AddStateValue(deploymentAddr, ollamaKey),
				),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkProbed(emu, &since, true),
					checkRoutes,
					checkSecretsStored(emu),
					func(s *terraform.State) error { first = copyAttrs(attrs(s)); return nil },
				),
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "sec3", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
			{
				// A new owner email: only the instance is replaced.
				PreConfig: markRequests(emu, &since),
				Config:    provider + deploymentConfig("sec3", "  tier = 3\n  n8n_owner_email = \"admin@example.org\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("instance_id")),
					plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_id"), knownvalue.NotNull()),
					plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_distribution_id"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: append(keep(),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("service_credentials").AtMapKey("n8n_owner_email"), knownvalue.StringExact("admin@example.org")),
					keptKey.AddStateValue(deploymentAddr, ollamaKey),
					rotatedKey.AddStateValue(deploymentAddr, ollamaKey),
				),
				Check: resource.ComposeAggregateTestCheckFunc(checkProbed(emu, &since, true), checkRoutes, checkSecretsStored(emu)),
			},
			{
				// A rotation: new values, a new instance, the old key refused.
				PreConfig: markRequests(emu, &since),
				Config:    provider + deploymentConfig("sec3", "  tier = 3\n  n8n_owner_email = \"admin@example.org\"\n  credentials_rotation = \"2026-10-01\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("instance_id")),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("service_credentials")),
				}},
				ConfigStateChecks: append(keep(),
					rotatedKey.AddStateValue(deploymentAddr, ollamaKey),
				),
				Check: resource.ComposeAggregateTestCheckFunc(checkProbed(emu, &since, true), checkRoutes, checkSecretsStored(emu),
					func(s *terraform.State) error {
						status, _, err := get(attrs(s)["url"]+"/api/ollama/api/tags", map[string]string{"Authorization": "Bearer " + first["service_credentials.ollama_api_key"]})
						if err != nil || status != 401 {
							return fmt.Errorf("the key from before the rotation: %d %w", status, err)
						}
						return nil
					}),
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "sec3", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

func copyAttrs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// checkSecretsStored reads, through the SDK, what AWS holds: the parameters
// as SecureStrings with the values in state, and user data (readable by
// anyone allowed ec2:DescribeInstanceAttribute) without any of them.
func checkSecretsStored(emu *awsemu.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		a := attrs(s)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cfg := acctest.SDKConfig(emu, "us-east-1")
		out, err := ssm.NewFromConfig(cfg).GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/geusemaker/" + a["name"] + "/"), WithDecryption: aws.Bool(true)})
		if err != nil {
			return err
		}
		if len(out.Parameters) != 5 {
			return fmt.Errorf("%d parameters under the path", len(out.Parameters))
		}
		var values []string
		for _, p := range out.Parameters {
			name := strings.TrimPrefix(aws.ToString(p.Name), "/geusemaker/"+a["name"]+"/")
			want := ssmtypes.ParameterTypeSecureString
			if name == userdata.ParamN8NOwnerEmail {
				want = ssmtypes.ParameterTypeString
			}
			if p.Type != want || aws.ToString(p.Value) != a["service_credentials."+strings.ReplaceAll(name, "-", "_")] {
				return fmt.Errorf("%s: %s, value matches state: %v", name, p.Type, aws.ToString(p.Value) == a["service_credentials."+strings.ReplaceAll(name, "-", "_")])
			}
			values = append(values, aws.ToString(p.Value))
		}
		ud, err := ec2.NewFromConfig(cfg).DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(a["instance_id"]), Attribute: ec2types.InstanceAttributeNameUserData})
		if err != nil {
			return err
		}
		raw, err := base64.StdEncoding.DecodeString(aws.ToString(ud.UserData.Value))
		if err != nil {
			return err
		}
		script, err := userdata.Decompress(raw)
		if err != nil {
			return err
		}
		if !strings.Contains(script, `"credentials":"/geusemaker/`+a["name"]+`/"`) {
			return fmt.Errorf("the user data does not name the credentials path")
		}
		for _, v := range values {
			if strings.Contains(script, v) {
				return fmt.Errorf("the user data contains a credential value")
			}
		}
		return nil
	}
}

// Tiers 1 → 2 → 3 → 2 in place: after each apply the provider's check
// reached the new public URL through the data plane, and the routes answer
// as the credentials say.
func TestAccDeployment_reachabilityAcrossTiers(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	sameInstance := statecheck.CompareValue(compare.ValuesSame())
	var since int
	step := func(tier int, url *regexp.Regexp) resource.TestStep {
		return resource.TestStep{
			PreConfig: markRequests(emu, &since),
			Config:    provider + deploymentConfig("reach", fmt.Sprintf("  tier = %d", tier)),
			ConfigStateChecks: []statecheck.StateCheck{
				sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("url"), knownvalue.StringRegexp(url)),
			},
			Check: resource.ComposeAggregateTestCheckFunc(checkProbed(emu, &since, tier == 3), checkRoutes),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			step(1, regexp.MustCompile(`^http://ec2-[0-9-]+\.compute-1\.amazonaws\.com$`)),
			step(2, regexp.MustCompile(`^http://reach-alb-.*\.elb\.amazonaws\.com$`)),
			step(3, regexp.MustCompile(`^https://d[a-z0-9]{13}\.cloudfront\.net$`)),
			step(2, regexp.MustCompile(`^http://reach-alb-.*\.elb\.amazonaws\.com$`)),
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "reach", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

// Tier 3 with a load balancer certificate but no domain would apply and
// never serve: CloudFront reaches the load balancer over HTTP, whose
// listener redirects to HTTPS at the viewer's host, CloudFront again. The
// plan now refuses the configuration (issue 11 item 6), so nothing is made;
// the check after apply still catches such a loop
// (TestVerifyReachabilityThroughDataPlane drives it through Create).
func TestAccDeployment_reachabilityRedirectLoop(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	cert := acctest.ImportCertificate(t, emu, "us-east-1", "ai.example.com")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckDestroyWithCertificates(t, emu, "us-east-1"),
		Steps: []resource.TestStep{{
			Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("loop", fmt.Sprintf("  tier = 3\n  load_balancer = { certificate_arn = %q }", cert)),
			ExpectError: regexp.MustCompile(`(?s)Certificate without domain name in tier 3.*load_balancer\.domain_name.*endless\s+loop`),
		}},
	})
	for _, c := range emu.Calls() {
		if c.Operation == "CreateVpc" || c.Operation == "RunInstances" {
			t.Fatalf("the refused plan still called %s.%s", c.Service, c.Operation)
		}
	}
	acctest.DeleteCertificates(t, emu, "us-east-1")
	if inv := emu.Inventory(); len(inv) != 0 {
		t.Fatalf("left behind: %+v", inv)
	}
}

// verify_reachability = false: a stack this machine cannot reach (outside
// allowed_cidr_blocks) applies, and nothing is requested.
func TestAccDeployment_reachabilityOff(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("no-egress", "  allowed_cidr_blocks = [\"203.0.113.0/24\"]\n  verify_reachability = false"),
			Check: func(s *terraform.State) error {
				if reqs := emu.DataPlaneRequests(0); len(reqs) != 0 {
					return fmt.Errorf("the check ran: %+v", reqs)
				}
				// The security group drops this machine's packets: the
				// proxy reports a connect timeout.
				if status, _, err := get(attrs(s)["url"]+"/healthz", nil); err != nil || status != http.StatusGatewayTimeout {
					return fmt.Errorf("this machine reached the stack: %d %w", status, err)
				}
				return nil
			},
		}, {ResourceName: deploymentAddr, ImportState: true, ImportStateId: "no-egress", ImportStateVerify: true,
			ImportStateVerifyIgnore: append([]string{"verify_reachability"}, importVerifyIgnore...)}},
	})
}
