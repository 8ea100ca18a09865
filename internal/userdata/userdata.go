// Package userdata renders the EC2 user data that boots a GeuseMaker
// instance: a bash script (run once by cloud-init) that installs what is
// missing, mounts EFS, starts the selected services with Docker Compose behind
// host NGINX, and reports progress as boot markers on the serial console.
//
// The script is built from embedded text/template files (templates/*), with
// missing keys treated as errors. Its second line is the deployment manifest
// (bootmarker.FormatManifest), and its steps print the lines bootmarker.Parse
// reads: one "started" line per step of bootmarker.Steps ("gpu" only for GPU
// workloads), a final "complete" line, or exactly one "failed" line naming the
// step and the reason (an EXIT trap, so an explicit exit is reported too).
//
// Credentials: with Params.CredentialsPath set (the provider always sets
// it), the script reads the services' credentials from SSM Parameter Store
// at boot (CredentialParams under that path, decrypted, as the instance
// role) and NGINX refuses every route but /healthz without its credential;
// see SECURITY.md. No credential value is ever part of the user data, and on
// the instance none reaches the boot log, the console or a command line.
// Without it the script is the unauthenticated one of earlier releases.
//
// Boot steps:
//   - base: stops the apt timers, waits for the dpkg locks and retries apt;
//     installs nginx, nfs-common, jq and friends, and the AWS CLI when
//     credentials are read and the AMI has none.
//   - gpu: waits for nvidia-smi, configures Docker with nvidia-ctk, and prints
//     the GPU marker (model, count, memory, driver).
//   - efs: mounts EFS with amazon-efs-utils (TLS, IAM) through the pinned
//     mount target IP, falling back to plain NFSv4.1; retries while the mount
//     target is not yet available.
//   - docker: installs Docker CE and the compose plugin when absent; keeps
//     Docker's data root off EFS and makes Docker wait for the EFS mount.
//   - services: generates secrets once, on EFS, in a root-only file (the
//     n8n encryption key is never regenerated); reads the credentials from
//     SSM; writes the root-only .env and the compose file (ports bound to
//     127.0.0.1) and waits for every container to be healthy. n8n creates
//     its owner from the credentials at start (N8N_INSTANCE_OWNER_*), and a
//     login on 127.0.0.1 proves it before NGINX opens.
//   - nginx: routes for the selected services with their credential checks;
//     /healthz answers "ok" once the application is ready (n8n's readiness
//     endpoint) for the ALB health check, naming nothing.
//   - health: checks every service through NGINX, and that every protected
//     route refuses a request without its credential, then prints
//     "complete".
//
// After the complete marker, in the background: Ollama models are pulled
// (a failure is only a warning), and a systemd timer keeps n8n's public URL
// settings in line with the instance tag geusemaker:public-url.
//
// Render gzips the script (cloud-init unpacks gzip user data) and refuses a
// result over MaxUserDataBytes with a *TooLargeError.
package userdata

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/base64"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
)

// MaxUserDataBytes is EC2's limit on user data (before base64 encoding).
const MaxUserDataBytes = 16384

// Params describe the deployment the boot script is rendered for.
type Params struct {
	Deployment    string            // deployment name
	Region        string            // AWS region, e.g. us-east-1
	Tier          int               // 1, 2 or 3
	GPU           bool              // NVIDIA GPU workload
	Services      []string          // subset of AllServices(); see ValidateServices
	OllamaModels  []string          // pulled in the background after boot
	EFSID         string            // fs-…
	MountTargetIP string            // mount target in the instance's AZ (pinned)
	Images        map[string]string // optional per-service image overrides
	// CredentialsPath is the SSM Parameter Store path holding the service
	// credentials (CredentialsPathFor; the names are CredentialParams). The
	// boot script reads them with the instance role, and NGINX then refuses
	// every route but /healthz without its credential. Empty renders the
	// unauthenticated script of earlier releases (adopted deployments and
	// tests only).
	CredentialsPath string
}

// Result is the rendered user data.
type Result struct {
	Script  string // the boot script (comment-only lines stripped)
	Compose string // the docker-compose.yml the script writes
	Gzipped []byte // Script, gzip-compressed: what EC2 receives
	Base64  string // Gzipped in base64, for RunInstances' UserData
	// PerBoot says the script prints its markers at every boot, not only
	// the first (the manifest's per_boot).
	PerBoot bool
}

// ParamError is an invalid parameter; Field names the Params field.
type ParamError struct {
	Field   string
	Message string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("userdata: invalid %s: %s", e.Field, e.Message)
}

// TooLargeError reports user data over MaxUserDataBytes after compression.
type TooLargeError struct {
	Size     int // gzipped size in bytes
	Limit    int // MaxUserDataBytes
	Services int // number of services rendered
	Models   int // number of Ollama models rendered
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("userdata: the boot script is %d bytes gzipped, over EC2's user data limit of %d bytes "+
		"(%d services, %d Ollama models); select fewer Ollama models or services", e.Size, e.Limit, e.Services, e.Models)
}

//go:embed templates/*
var templateFS embed.FS

var templates = template.Must(template.New("userdata").
	Option("missingkey=error").
	Funcs(template.FuncMap{"sq": shellQuote, "httpcheck": httpCheck}).
	ParseFS(templateFS, "templates/*"))

var (
	reDeployment = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	reRegion     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	reEFSID      = regexp.MustCompile(`^fs-[0-9a-f]{8,40}$`)
	reModel      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$`)
	reImage      = regexp.MustCompile(`^[a-z0-9][a-z0-9._/:-]*(@sha256:[0-9a-f]{64})?$`)
)

// Render validates p and renders the boot script, its compose file and the
// compressed user data.
func Render(p Params) (Result, error) {
	d, err := newData(p)
	if err != nil {
		return Result{}, err
	}
	for _, part := range []struct {
		name string
		dst  *string
	}{
		{"compose.yml.tmpl", &d.Compose},
		{"nginx.conf.tmpl", &d.Nginx},
		{"url-sync.sh.tmpl", &d.URLSync},
		{"models.sh.tmpl", &d.ModelsScript},
	} {
		s, err := execute(part.name, d)
		if err != nil {
			return Result{}, err
		}
		*part.dst = strings.TrimRight(s, "\n")
	}
	script, err := execute("boot.sh.tmpl", d)
	if err != nil {
		return Result{}, err
	}
	r := Result{Script: strip(script), Compose: strip(d.Compose + "\n"), PerBoot: true}
	if r.Gzipped, err = compress(r.Script); err != nil {
		return Result{}, err
	}
	if len(r.Gzipped) > MaxUserDataBytes {
		return Result{}, &TooLargeError{Size: len(r.Gzipped), Limit: MaxUserDataBytes, Services: len(d.Services), Models: len(d.OllamaModels)}
	}
	r.Base64 = base64.StdEncoding.EncodeToString(r.Gzipped)
	return r, nil
}

// Decompress returns the script in user data as EC2 stores it: gzip data is
// unpacked, anything else is returned as is. It lets callers (import, the
// emulator) read the manifest with bootmarker.ParseManifest.
func Decompress(userData []byte) (string, error) {
	if !bytes.HasPrefix(userData, []byte{0x1f, 0x8b}) {
		return string(userData), nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(userData))
	if err != nil {
		return "", fmt.Errorf("userdata: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, 1<<20))
	if err != nil {
		return "", fmt.Errorf("userdata: %w", err)
	}
	return string(b), nil
}

// data is what the templates see.
type data struct {
	Params
	Manifest       string
	Has            map[string]bool
	PostgresMount  string   // where the postgres image keeps its data
	HealthUpstream string   // what /healthz checks before answering; "" answers 200 at once
	CredParams     []string // SSM parameter names read at boot; none without CredentialsPath
	Compose        string
	Nginx          string
	URLSync        string
	ModelsScript   string
}

func newData(p Params) (*data, error) {
	if !reDeployment.MatchString(p.Deployment) {
		return nil, &ParamError{"Deployment", fmt.Sprintf("%q: use letters, digits, '.', '_' and '-' (at most 128)", p.Deployment)}
	}
	if !reRegion.MatchString(p.Region) {
		return nil, &ParamError{"Region", fmt.Sprintf("%q is not an AWS region name", p.Region)}
	}
	if !tier.Tier(p.Tier).Valid() {
		return nil, &ParamError{"Tier", fmt.Sprintf("%d: must be 1, 2 or 3", p.Tier)}
	}
	if err := ValidateServices(p.Services); err != nil {
		return nil, &ParamError{"Services", err.Error()}
	}
	if !reEFSID.MatchString(p.EFSID) {
		return nil, &ParamError{"EFSID", fmt.Sprintf("%q is not an EFS file system id (fs-…)", p.EFSID)}
	}
	if ip, err := netip.ParseAddr(p.MountTargetIP); err != nil || !ip.Is4() {
		return nil, &ParamError{"MountTargetIP", fmt.Sprintf("%q is not an IPv4 address", p.MountTargetIP)}
	}
	if p.CredentialsPath != "" {
		if err := checkCredentialsPath(p.CredentialsPath); err != nil {
			return nil, &ParamError{"CredentialsPath", err.Error()}
		}
	}
	services := canonical(p.Services)
	has := map[string]bool{}
	for _, s := range allServices {
		has[s] = slices.Contains(services, s)
	}
	var models []string
	for _, m := range p.OllamaModels {
		if !reModel.MatchString(m) {
			return nil, &ParamError{"OllamaModels", fmt.Sprintf("%q is not an Ollama model name (e.g. %s)", m, ModelSmallInstruct)}
		}
		if !slices.Contains(models, m) {
			models = append(models, m)
		}
	}
	if len(models) > 0 && !has[ServiceOllama] {
		return nil, &ParamError{"OllamaModels", "models are pulled by the ollama service, which is not selected"}
	}
	images := DefaultImages()
	for svc, ref := range p.Images {
		if !slices.Contains(allServices, svc) {
			return nil, &ParamError{"Images", fmt.Sprintf("unknown service %q", svc)}
		}
		if err := checkImage(ref); err != nil {
			return nil, &ParamError{"Images", fmt.Sprintf("%s: %v", svc, err)}
		}
		images[svc] = ref
	}
	d := &data{Params: p, Has: has, PostgresMount: postgresMount(images[ServicePostgres])}
	d.Services, d.OllamaModels, d.Images = services, models, images
	d.Manifest = bootmarker.FormatManifest(bootmarker.Manifest{
		Deployment: p.Deployment, Tier: p.Tier, GPU: p.GPU,
		Services: services, Models: models, EFSID: p.EFSID,
		CredentialsPath: p.CredentialsPath,
		PerBoot:         true,
	})
	if p.CredentialsPath != "" {
		d.CredParams = CredentialParams(services)
	}
	switch {
	case has[ServiceN8N]:
		d.HealthUpstream = "http://127.0.0.1:5678/healthz/readiness"
	case has[ServiceOllama]:
		d.HealthUpstream = "http://127.0.0.1:11434/api/version"
	case has[ServiceQdrant]:
		d.HealthUpstream = "http://127.0.0.1:6333/readyz"
	case has[ServiceCrawl4AI]:
		d.HealthUpstream = "http://127.0.0.1:11235/health"
	}
	return d, nil
}

// checkImage accepts a pinned image reference: a tag other than latest, or a
// digest.
func checkImage(ref string) error {
	if !reImage.MatchString(ref) {
		return fmt.Errorf("%q is not an image reference", ref)
	}
	name, digest, _ := strings.Cut(ref, "@")
	tag := ""
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		tag = name[i+1:]
	}
	switch {
	case tag == "latest":
		return fmt.Errorf("%q: pin a version instead of latest", ref)
	case tag == "" && digest == "":
		return fmt.Errorf("%q has no tag: pin a version", ref)
	}
	return nil
}

// postgresMount is where the EFS directory is mounted in the postgres
// container. Images 18 and later keep PGDATA in a versioned directory under
// /var/lib/postgresql (their VOLUME); older ones declare
// /var/lib/postgresql/data, and a mount above it would leave the data in an
// anonymous volume instead of on EFS.
func postgresMount(image string) string {
	name, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		tag := name[i+1:]
		n := 0
		for _, c := range tag {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		if n > 0 && n < 18 {
			return "/var/lib/postgresql/data"
		}
	}
	return "/var/lib/postgresql"
}

func execute(name string, d *data) (string, error) {
	var b strings.Builder
	if err := templates.ExecuteTemplate(&b, name, d); err != nil {
		return "", fmt.Errorf("userdata: rendering %s: %w", name, err)
	}
	return b.String(), nil
}

// strip drops blank and comment-only lines to save user-data bytes. It keeps
// shebangs ("#!", also those of the helper scripts written by
// here-documents) and the manifest line.
func strip(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "#!") && !strings.HasPrefix(t, bootmarker.ManifestPrefix) {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func compress(s string) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write([]byte(s)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// shellQuote single-quotes s for bash.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// httpCheck renders a compose healthcheck test that GETs path on the
// container's port with bash's /dev/tcp: the Ollama and Qdrant images have no
// curl or wget.
func httpCheck(port int, path string) string {
	return fmt.Sprintf(`["CMD", "bash", "-c", 'exec 3<>/dev/tcp/127.0.0.1/%d && printf "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" >&3 && read -r l <&3 && [[ $$l == *" 200 "* ]]']`, port, path)
}

// renderPart renders one template on its own (tests use it for the marker
// functions).
func renderPart(name string, p Params) (string, error) {
	if templates.Lookup(name) == nil {
		return "", fmt.Errorf("userdata: no template %q", name)
	}
	d, err := newData(p)
	if err != nil {
		return "", err
	}
	return execute(name, d)
}
