// Package acctest runs acceptance tests with the real Terraform CLI against an
// in-process AWS emulator: it starts the emulator, builds provider factories
// with test seams, writes the provider block that points every endpoint at
// the emulator, and checks that nothing is left behind.
package acctest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/provider"
)

// Emulator starts an emulator for one test; opts may change its options.
func Emulator(t *testing.T, opts ...func(*awsemu.Options)) *awsemu.Emulator {
	t.Helper()
	o := awsemu.Options{Speed: emutest.DefaultSpeed, Seed: t.Name()}
	if router != nil {
		o.CA = router.ca
	}
	for _, f := range opts {
		f(&o)
	}
	o.Knobs = emutest.AccountKnobs(o.Knobs)
	emu := awsemu.New(o)
	if err := emu.Start(""); err != nil {
		t.Fatalf("starting the AWS emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	if router != nil {
		// The process's proxy (HTTPS_PROXY) reaches this emulator's data
		// plane from now on.
		router.add(emu)
		t.Cleanup(func() { router.remove(emu) })
	}
	return emu
}

// ProviderFactories serves the provider in-process with its test seams: short
// waiter polls and SDK retry backoff, so tests against the fast emulator run
// in seconds.
//
// It reads GEUSEMAKER_ACC_RUN, while the tests run, so that go test keys its
// cached results on it: make sets a new value for every acceptance run, so a
// run on another CLI, or on a new build at the same path, is never answered
// with the cached result of an earlier one.
func ProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	_ = os.Getenv("GEUSEMAKER_ACC_RUN")
	return map[string]func() (tfprotov6.ProviderServer, error){
		provider.TypeName: providerserver.NewProtocol6WithError(provider.NewTestProvider(provider.TestOptions{
			PollCap:         20 * time.Millisecond,
			RetryMaxBackoff: 20 * time.Millisecond,
			// A configured "1m" waits 7.5s: tests of waits that never end.
			TimeoutDivisor: 8,
		})()),
	}
}

// SetupEnv prepares the process for acceptance tests; call it from TestMain.
// Without TF_ACC_TERRAFORM_PATH (which make sets) it points
// terraform-plugin-testing at the repository's pinned Terraform CLI when
// `make tools` built one, else at the terraform on PATH; it keeps the AWS
// SDK away from the machine's own credentials, config files and instance
// metadata, so a test can only authenticate the way its configuration says;
// and it sends HTTP(S) traffic to the emulators' data planes: HTTP_PROXY and
// HTTPS_PROXY name a router in front of every emulator Emulator starts and
// SSL_CERT_FILE their shared CA (dataplane.go), as a user's machine would
// name a proxy and a CA bundle.
func SetupEnv() {
	startRouter()
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		if root, err := repoRoot(); err == nil && fileExists(filepath.Join(root, "bin", "terraform")) {
			os.Setenv("TF_ACC_TERRAFORM_PATH", filepath.Join(root, "bin", "terraform"))
		} else if p, err := exec.LookPath("terraform"); err == nil {
			os.Setenv("TF_ACC_TERRAFORM_PATH", p)
		}
	}
	empty := filepath.Join(os.TempDir(), "geusemaker-acctest-no-aws-config")
	for k, v := range map[string]string{
		"CHECKPOINT_DISABLE":          "1",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"} {
		os.Unsetenv(k)
	}
}

// PreCheck fails a test early when the Terraform CLI is missing.
func PreCheck(t *testing.T) {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p == "" || !fileExists(p) {
		t.Fatalf("the Terraform CLI was not found (TF_ACC_TERRAFORM_PATH=%q): run `make tools` or call acctest.SetupEnv from TestMain", p)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found")
		}
		dir = parent
	}
}

// ProviderOptions shape the provider block.
type ProviderOptions struct {
	Region string
	// NoStaticKeys leaves credentials to the environment or the extra HCL.
	NoStaticKeys bool
	// Extra is HCL placed inside the provider block.
	Extra string
}

// ProviderConfig returns a provider block whose every endpoint is the emulator.
func ProviderConfig(emu *awsemu.Emulator, o ProviderOptions) string {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "provider %q {\n  region = %q\n", provider.TypeName, o.Region)
	if !o.NoStaticKeys {
		fmt.Fprintf(&b, "  access_key = %q\n  secret_key = %q\n", awsemu.DefaultAccessKey, awsemu.DefaultSecretKey)
	}
	b.WriteString("  endpoints {\n")
	for _, svc := range conns.Services {
		fmt.Fprintf(&b, "    %s = %q\n", svc, emu.URL())
	}
	b.WriteString("  }\n")
	if o.Extra != "" {
		b.WriteString(o.Extra + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// CheckInventoryEmpty fails when the emulator still holds any user-created
// resource: the destroy check of every acceptance test.
func CheckInventoryEmpty(emu *awsemu.Emulator) func(*terraform.State) error {
	return func(*terraform.State) error {
		inv := emu.Inventory()
		if len(inv) == 0 {
			return nil
		}
		var left []string
		for _, r := range inv {
			left = append(left, fmt.Sprintf("%s %s %s (%s)", r.Service, r.Type, r.ID, r.State))
		}
		sort.Strings(left)
		return fmt.Errorf("%d resources left in the emulator after destroy:\n  %s", len(left), strings.Join(left, "\n  "))
	}
}

// WebIdentityToken returns an unsigned OIDC token shaped like HCP Terraform's
// workload identity token, valid for an hour.
func WebIdentityToken(subject string) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "test"}) + "." + enc(map[string]any{
		"sub": subject, "iss": "https://app.terraform.io", "aud": "aws.workload.identity",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}) + ".c2lnbmF0dXJl"
}
