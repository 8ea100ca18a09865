package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

func TestMain(m *testing.M) {
	acctest.ServeProviderIfAsked() // when Terraform started this binary as its provider
	acctest.SetupEnv()
	os.Exit(m.Run())
}

const callerIdentity = `
data "geusemaker_caller_identity" "me" {}
`

func expectARN(arn string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.geusemaker_caller_identity.me", tfjsonpath.New("arn"), knownvalue.StringExact(arn)),
		statecheck.ExpectKnownValue("data.geusemaker_caller_identity.me", tfjsonpath.New("account_id"), knownvalue.StringExact(awsemu.AccountID)),
	}
}

// checkSignedOnlyBy proves from the emulator's call log that every call was
// signed with an access key that want accepts, and that there were calls.
func checkSignedOnlyBy(emu *awsemu.Emulator, what string, want func(accessKey string) bool) resource.TestCheckFunc {
	return checkSignedOnlyBySince(emu, 0, what, want)
}

// checkSignedOnlyBySince is checkSignedOnlyBy for the calls after the first
// `since` ones (the test's own setup, signed with the emulator's key).
func checkSignedOnlyBySince(emu *awsemu.Emulator, since int, what string, want func(accessKey string) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n := 0
		for _, c := range emu.Calls()[since:] {
			if c.Operation == "AssumeRoleWithWebIdentity" {
				continue // unsigned by design
			}
			if !want(c.AccessKey) {
				return fmt.Errorf("call #%d %s.%s was signed with %q, not with %s", c.Seq, c.Service, c.Operation, c.AccessKey, what)
			}
			n++
		}
		if n == 0 {
			return fmt.Errorf("no signed calls reached the emulator")
		}
		return nil
	}
}

// issuedBy returns a predicate accepting exactly the keys STS issued through
// source (AssumeRole or AssumeRoleWithWebIdentity) for the role, after
// checking that at least one such issuance happened.
func issuedBy(emu *awsemu.Emulator, source, roleARN string) func(string) bool {
	return func(key string) bool {
		for _, c := range emu.Credentials() {
			if c.Source == source && c.RoleARN == roleARN && c.AccessKey == key {
				return true
			}
		}
		return false
	}
}

func checkIssued(emu *awsemu.Emulator, source, roleARN, subject string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, c := range emu.Credentials() {
			if c.Source == source && c.RoleARN == roleARN && (subject == "" || c.Subject == subject) {
				return nil
			}
		}
		return fmt.Errorf("the emulator recorded no %s for %s (subject %q)", source, roleARN, subject)
	}
}

// permissivePolicy lets a test role do anything, so that what the tests
// prove is which credentials were used, not what they may do.
const permissivePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// createRole creates a role in the emulator's IAM (as AWS requires of a role
// before STS lets anyone assume it) with a trust policy and a permissive
// identity policy.
func createRole(t *testing.T, emu *awsemu.Emulator, name, trust string) {
	t.Helper()
	client := iam.NewFromConfig(emutest.Config(emu, ""))
	ctx := context.Background()
	if _, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatalf("creating role %s: %v", name, err)
	}
	if _, err := client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("test-permissive"), PolicyDocument: aws.String(permissivePolicy)}); err != nil {
		t.Fatalf("role policy for %s: %v", name, err)
	}
}

// createTFCRole registers HCP Terraform as an OpenID Connect provider and
// creates the role its workload identity tokens may assume, trusting the
// audience and the workspace subject as HCP Terraform's documentation says.
func createTFCRole(t *testing.T, emu *awsemu.Emulator) {
	t.Helper()
	client := iam.NewFromConfig(emutest.Config(emu, ""))
	if _, err := client.CreateOpenIDConnectProvider(context.Background(), &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://app.terraform.io"), ClientIDList: []string{"aws.workload.identity"},
	}); err != nil {
		t.Fatalf("creating the OIDC provider: %v", err)
	}
	createRole(t, emu, "tfc-dynamic", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`+
		`"Principal":{"Federated":"arn:aws:iam::`+awsemu.AccountID+`:oidc-provider/app.terraform.io"},"Action":"sts:AssumeRoleWithWebIdentity",`+
		`"Condition":{"StringEquals":{"app.terraform.io:aud":"aws.workload.identity"},"StringLike":{"app.terraform.io:sub":"`+tfcSubject+`"}}}]}`)
}

func TestAccProvider_staticKeys(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:            acctest.ProviderConfig(emu, acctest.ProviderOptions{Region: "eu-west-1"}) + callerIdentity,
			ConfigStateChecks: append(expectARN("arn:aws:iam::123456789012:user/emulator"), statecheck.ExpectKnownValue("data.geusemaker_caller_identity.me", tfjsonpath.New("region"), knownvalue.StringExact("eu-west-1"))),
			Check:             checkSignedOnlyBy(emu, "the configured static key", func(k string) bool { return k == awsemu.DefaultAccessKey }),
		}},
	})
}

func TestAccProvider_profileInSharedCredentialsFile(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	const key, secret = "AKIAPROFILECI0000001", "profile-secret-value"
	emu.AddCredential(key, secret, "ci-user")
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	cfg := filepath.Join(dir, "config")
	writeFile(t, creds, fmt.Sprintf("[default]\naws_access_key_id = AKIAWRONGDEFAULT0001\naws_secret_access_key = nope\n\n[ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n", key, secret))
	writeFile(t, cfg, "[profile ci]\nregion = us-west-2\n")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(emu, acctest.ProviderOptions{NoStaticKeys: true, Region: "us-west-2",
				Extra: fmt.Sprintf("  profile = \"ci\"\n  shared_credentials_files = [%q]\n  shared_config_files = [%q]", creds, cfg)}) + callerIdentity,
			ConfigStateChecks: expectARN("arn:aws:iam::123456789012:user/ci-user"),
			Check:             checkSignedOnlyBy(emu, "the profile's key", func(k string) bool { return k == key }),
		}},
	})
}

func TestAccProvider_assumeRole(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"sts.external_id": "ext-123"} })
	const role = "arn:aws:iam::123456789012:role/deployer"
	// The role trusts the account when the external id is given.
	createRole(t, emu, "deployer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},`+
		`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}]}`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(emu, acctest.ProviderOptions{Extra: fmt.Sprintf(`  assume_role {
    role_arn     = %q
    session_name = "ci-run"
    external_id  = "ext-123"
    duration     = "1h"
  }`, role)}) + callerIdentity,
			ConfigStateChecks: expectARN("arn:aws:sts::123456789012:assumed-role/deployer/ci-run"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkIssued(emu, "AssumeRole", role, ""),
				checkSignedOnlyBy(emu, "the static key (for AssumeRole) or the assumed role's keys", func(k string) bool {
					return k == awsemu.DefaultAccessKey || issuedBy(emu, "AssumeRole", role)(k)
				}),
				checkCallerIdentityBy(emu, issuedBy(emu, "AssumeRole", role)),
			),
		}},
	})
}

// checkCallerIdentityBy proves the identity lookups used the assumed keys.
func checkCallerIdentityBy(emu *awsemu.Emulator, want func(string) bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		n := 0
		for _, c := range emu.Calls() {
			if c.Operation == "GetCallerIdentity" {
				n++
				if !want(c.AccessKey) {
					return fmt.Errorf("GetCallerIdentity #%d was signed with %s, not an assumed-role key", c.Seq, c.AccessKey)
				}
			}
		}
		if n == 0 {
			return fmt.Errorf("no GetCallerIdentity calls")
		}
		return nil
	}
}

const tfcRole = "arn:aws:iam::123456789012:role/tfc-dynamic"
const tfcSubject = "organization:acme:project:ai:workspace:geusemaker-prod:run_phase:apply"

// webIdentityChecks checks the calls made after the test's setup.
func webIdentityChecks(emu *awsemu.Emulator, session string) (resource.TestCheckFunc, []statecheck.StateCheck) {
	since := len(emu.Calls())
	return resource.ComposeAggregateTestCheckFunc(
			checkIssued(emu, "AssumeRoleWithWebIdentity", tfcRole, tfcSubject),
			checkSignedOnlyBySince(emu, since, "keys issued by AssumeRoleWithWebIdentity", issuedBy(emu, "AssumeRoleWithWebIdentity", tfcRole)),
		),
		expectARN("arn:aws:sts::123456789012:assumed-role/tfc-dynamic/" + session)
}

func TestAccProvider_webIdentityEnvironment(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	createTFCRole(t, emu)
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, acctest.WebIdentityToken(tfcSubject))
	t.Setenv("AWS_ROLE_ARN", tfcRole)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	t.Setenv("AWS_ROLE_SESSION_NAME", "env-session")
	check, state := webIdentityChecks(emu, "env-session")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:            acctest.ProviderConfig(emu, acctest.ProviderOptions{NoStaticKeys: true}) + callerIdentity,
			ConfigStateChecks: state,
			Check:             check,
		}},
	})
}

func TestAccProvider_webIdentityBlock(t *testing.T) {
	acctest.PreCheck(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, acctest.WebIdentityToken(tfcSubject))
	for name, tokenArg := range map[string]string{
		"token file": fmt.Sprintf("web_identity_token_file = %q", tokenFile),
		"token":      fmt.Sprintf("web_identity_token = %q", acctest.WebIdentityToken(tfcSubject)),
	} {
		t.Run(name, func(t *testing.T) {
			emu := acctest.Emulator(t)
			createTFCRole(t, emu)
			check, state := webIdentityChecks(emu, "block-session")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config: acctest.ProviderConfig(emu, acctest.ProviderOptions{NoStaticKeys: true, Extra: fmt.Sprintf(`  assume_role_with_web_identity {
    role_arn     = %q
    session_name = "block-session"
    %s
  }`, tfcRole, tokenArg)}) + callerIdentity,
					ConfigStateChecks: state,
					Check:             check,
				}},
			})
		})
	}
}

// HCP Terraform's dynamic credentials hand the provider a shared config file
// whose default profile names the role and the token file.
func TestAccProvider_webIdentitySharedConfigFile(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	createTFCRole(t, emu)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "tfc-token")
	writeFile(t, tokenFile, acctest.WebIdentityToken(tfcSubject))
	cfg := filepath.Join(dir, "tfc-aws-shared-config")
	writeFile(t, cfg, fmt.Sprintf("[default]\nrole_arn = %s\nweb_identity_token_file = %s\nrole_session_name = hcp-run\n", tfcRole, tokenFile))
	check, state := webIdentityChecks(emu, "hcp-run")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `variable "tfc_aws_dynamic_credentials" {
  type = object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })
  default = { default = { shared_config_file = "` + cfg + `" }, aliases = {} }
}
` + acctest.ProviderConfig(emu, acctest.ProviderOptions{NoStaticKeys: true, Extra: "  shared_config_files = [var.tfc_aws_dynamic_credentials.default.shared_config_file]"}) + callerIdentity,
			ConfigStateChecks: state,
			Check:             check,
		}},
	})
}

func TestAccProvider_defaultTags(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(emu, acctest.ProviderOptions{Extra: `  default_tags {
    tags = { Environment = "test", Owner = "platform-team" }
  }
  max_retries = 5
  retry_mode  = "adaptive"`}) + callerIdentity,
			ConfigStateChecks: expectARN("arn:aws:iam::123456789012:user/emulator"),
		}},
	})
}

func TestAccProvider_badConfiguration(t *testing.T) {
	acctest.PreCheck(t)
	missing := filepath.Join(t.TempDir(), "missing-file")
	emptyCfg := filepath.Join(t.TempDir(), "empty-config")
	writeFile(t, emptyCfg, "[default]\nregion = us-east-1\n")
	cases := []struct {
		name, extra string
		noKeys      bool
		region      string
		prefix      string
		want        string
	}{
		{name: "bad region", region: "moon-base-1", want: `must be an AWS region name`},
		{name: "bad retry mode", extra: `retry_mode = "fast"`, want: `value must be one of`},
		{name: "max retries zero", extra: `max_retries = 0`, want: `value must be between 1 and 100`},
		{name: "poll interval too short", extra: `max_poll_interval = "100ms"`, want: `(?s)Invalid duration.*"100ms" must be a duration.*between 1s and 10m0s`},
		{name: "key without secret", noKeys: true, extra: `access_key = "AKIAIOSFODNN7EXAMPLE"`, want: `Incomplete static credentials`},
		{name: "assume role bad arn", extra: "assume_role {\n role_arn = \"deployer\"\n}", want: `must be an IAM role ARN`},
		{name: "assume role short duration", extra: "assume_role {\n role_arn = \"arn:aws:iam::123456789012:role/x\"\n duration = \"5m\"\n}", want: `must be a duration such as 1h`},
		{name: "web identity token and file", noKeys: true, extra: "assume_role_with_web_identity {\n role_arn = \"arn:aws:iam::123456789012:role/x\"\n web_identity_token = \"a.b.c\"\n web_identity_token_file = \"/tmp/t\"\n}", want: `(?s)Invalid Attribute Combination.*one \(and only one\) of`},
		{name: "web identity bad token", noKeys: true, extra: "assume_role_with_web_identity {\n role_arn = \"arn:aws:iam::123456789012:role/x\"\n web_identity_token = \"not-a-jwt\"\n}", want: `(?s)No valid AWS credentials.*InvalidIdentityToken`},
		{name: "missing profile", noKeys: true, extra: fmt.Sprintf("profile = \"nope\"\nshared_config_files = [%q]", emptyCfg), want: `AWS profile not found`},
		{name: "missing shared file", noKeys: true, extra: fmt.Sprintf("shared_credentials_files = [%q]", missing), want: `Shared AWS file not readable`},
		{name: "wrong secret", noKeys: true, extra: "access_key = \"AKIAIOSFODNN7EXAMPLE\"\nsecret_key = \"wrong\"", want: `(?s)Invalid AWS credentials.*SignatureDoesNotMatch`},
		{name: "no credentials", noKeys: true, want: `(?s)No valid AWS credentials.*HCP Terraform`},
		{name: "bad endpoint", want: `(?s)Invalid endpoint URL.*ec2 = "not a url"`},
		{name: "reserved default tag", extra: "default_tags {\n tags = { \"aws:owner\" = \"x\" }\n}", want: `must not start with "aws:"`},
		{name: "unknown at plan", prefix: "resource \"terraform_data\" \"r\" {\n input = \"us-east-1\"\n}\n", region: "terraform_data.r.output", want: `Unknown provider configuration value`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu := acctest.Emulator(t)
			cfg := acctest.ProviderConfig(emu, acctest.ProviderOptions{NoStaticKeys: tc.noKeys, Region: tc.region, Extra: tc.extra})
			if tc.name == "bad endpoint" {
				cfg = regexp.MustCompile(`ec2 = "[^"]*"`).ReplaceAllString(cfg, `ec2 = "not a url"`)
			}
			if tc.region == "terraform_data.r.output" {
				cfg = regexp.MustCompile(`region = "terraform_data.r.output"`).ReplaceAllString(cfg, "region = terraform_data.r.output")
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      tc.prefix + cfg + callerIdentity,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The caller's identity is not asked for when the provider is configured,
// so bad credentials surface at the first call: the refresh of an existing
// deployment, or a new one's plan-time checks, fails with the AWS code and
// what to do (the caller identity data source's "Invalid AWS credentials"
// is TestAccProvider_badConfiguration's). Nothing is forgotten from the
// state: the good credentials then plan no change.
func TestAccProvider_badCredentialsAtFirstCall(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	good := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	bad := acctest.ProviderConfig(emu, acctest.ProviderOptions{NoStaticKeys: true, Extra: "access_key = \"AKIAIOSFODNN7EXAMPLE\"\nsecret_key = \"wrong\""})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: good + deploymentConfig("bad-creds", "  tier = 1")},
			{Config: bad + deploymentConfig("bad-creds", "  tier = 1"), PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)SignatureDoesNotMatch.*did not accept the credentials`)},
			// A plan-only step plans without refresh first: the existing
			// deployment is not read, the new one is checked.
			{Config: bad + deploymentConfig("bad-creds", "  tier = 1") + strings.Replace(deploymentConfig("bad-creds-2", "  tier = 1"), `"test"`, `"second"`, 1),
				PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)geusemaker_deployment.second.*SignatureDoesNotMatch.*did not accept the credentials`)},
			{Config: good + deploymentConfig("bad-creds", "  tier = 1"), PlanOnly: true},
		},
	})
}
