#!/usr/bin/env bash
# make demo: deploy examples/demo against the bundled AWS emulator, print the
# outputs, destroy, and prove that nothing is left behind. No AWS account is
# used: every endpoint of the provider points at the emulator on a free
# loopback port. The emulator always stops when this script ends, and all
# Terraform state lives in a temporary directory outside the repository.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

speed=${GEUSEMAKER_DEMO_SPEED:-600}
example=examples/demo

started=$SECONDS
phase_started=$SECONDS
phase() {
  phase_started=$SECONDS
  printf '\n==> %s\n' "$*"
}
took() {
  printf '    (%ds)\n' $((SECONDS - phase_started))
}

# The first line says which Terraform CLI runs the demo and why: TERRAFORM=
# when set, else the one on PATH when it is new enough, else the pinned
# version, built into ./bin first when missing (scripts/terraform.sh).
scripts/terraform.sh ensure
terraform=$(scripts/terraform.sh path)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/geusemaker-demo.XXXXXX")
emu_pid=
cleanup() {
  local rc=$?
  if [[ -n $emu_pid ]] && kill -0 "$emu_pid" 2>/dev/null; then
    echo "==> stopping the AWS emulator (pid $emu_pid)"
    kill -TERM "$emu_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$emu_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  if ((rc != 0)); then
    echo "demo: FAILED after $((SECONDS - started))s (the emulator is stopped and its resources are gone with it)" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# http_get URL: print the body of a 200 response; fail otherwise. Uses curl
# when the machine has it, else bash's /dev/tcp (the emulator speaks HTTP/1.0).
http_get() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 10 "$1"
    return
  fi
  local rest=${1#http://} hostport path response
  hostport=${rest%%/*}
  path=/${rest#*/}
  exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$hostport" >&3
  response=$(cat <&3)
  exec 3>&-
  [[ $response == "HTTP/1."?" 200"* ]] || return 1
  printf '%s\n' "${response#*$'\r\n\r\n'}"
}

phase "building the provider and the AWS emulator into ./bin"
go build -trimpath -ldflags "-X main.version=demo" -o bin/terraform-provider-geusemaker .
go build -trimpath -o bin/awsemu ./cmd/awsemu
took

phase "starting the AWS emulator on a free loopback port (virtual clock ${speed}x)"
emu_log=$tmp/awsemu.log
# The emulator starts as a new AWS account, whose G and VT vCPU quota is 0;
# the demo's account has had it raised to 8 (one g5.xlarge needs 4).
bin/awsemu -listen 127.0.0.1:0 -speed "$speed" -knobs quota.L-DB2E81BA=8 -url-file "$tmp/emulator-url" \
  -proxy-url-file "$tmp/proxy-url" -ca-file "$tmp/emulator-ca.pem" >"$emu_log" 2>&1 &
emu_pid=$!
endpoint=
for _ in $(seq 100); do
  if ! kill -0 "$emu_pid" 2>/dev/null; then
    echo "demo: the emulator exited at start:" >&2
    cat "$emu_log" >&2
    exit 1
  fi
  if [[ -s $tmp/emulator-url ]]; then
    endpoint=$(head -n1 "$tmp/emulator-url")
    if http_get "$endpoint/_emu/health" >/dev/null 2>&1; then
      break
    fi
  fi
  sleep 0.1
done
if [[ -z $endpoint ]] || ! http_get "$endpoint/_emu/health" >/dev/null 2>&1; then
  echo "demo: the emulator did not become healthy within 10s:" >&2
  cat "$emu_log" >&2
  exit 1
fi
echo "    emulator at $endpoint (pid $emu_pid)"
took

# The emulator's data plane: a forward proxy that answers for CloudFront, the
# load balancer and the instance, with certificates from its own CA. The
# provider's check after apply (verify_reachability) and the requests below
# reach the stack through it, as a machine behind a proxy would.
proxy=$(head -n1 "$tmp/proxy-url")
export HTTPS_PROXY=$proxy HTTP_PROXY=$proxy NO_PROXY=127.0.0.1,localhost
export SSL_CERT_FILE=$tmp/emulator-ca.pem
echo "    data plane proxy at $proxy (HTTPS_PROXY), its CA in SSL_CERT_FILE"

# The demo's own Terraform CLI configuration (the machine's may be missing or
# point elsewhere): a filesystem mirror that holds only the provider just
# built, so `terraform init` installs it from ./bin as it would a release,
# with no registry and without the warning that dev_overrides print on every
# command. The configuration runs from a copy so that state, the lock file
# and .terraform/ stay out of the repository.
provider_addr=registry.terraform.io/geusemaker/geusemaker
mirror_dir=$tmp/mirror/$provider_addr/0.0.1/$(go env GOOS)_$(go env GOARCH)
mkdir -p "$mirror_dir"
cp bin/terraform-provider-geusemaker "$mirror_dir/"
cat >"$tmp/terraform.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$tmp/mirror"
    include = ["$provider_addr"]
  }
  direct {
    exclude = ["$provider_addr"]
  }
}
EOF
export TF_CLI_CONFIG_FILE=$tmp/terraform.tfrc
export TF_DATA_DIR=$tmp/work/.terraform
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
# Keep the machine's own AWS settings out of the demo: it authenticates with
# the emulator's key pair in the example's provider block and nothing else.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
  AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ENDPOINT_URL
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
mkdir -p "$tmp/work"
cp -R "$example"/. "$tmp/work/"
rm -rf "$tmp/work/.terraform" "$tmp/work"/*.tfstate* "$tmp/work/.terraform.lock.hcl"
# The lock file, written ahead with the build's h1 checksum (Go's dirhash
# Hash1 of the package directory, as Terraform computes it): init then checks
# the provider against it instead of warning that it had to compute checksums
# locally for one platform only.
# (coreutils only: the hex digest goes back to bytes through printf %b.)
digest=$(cd "$mirror_dir" && sha256sum terraform-provider-geusemaker | sha256sum | cut -d' ' -f1)
escaped=
for ((i = 0; i < ${#digest}; i += 2)); do escaped+="\\x${digest:i:2}"; done
h1=$(printf '%b' "$escaped" | base64)
cat >"$tmp/work/.terraform.lock.hcl" <<EOF
provider "$provider_addr" {
  version = "0.0.1"
  hashes = [
    "h1:$h1",
  ]
}
EOF
# tf ARGS: run Terraform on the copy; its output is kept to count warnings.
tf_log=$tmp/terraform-output.log
tf() { "$terraform" -chdir="$tmp/work" "$@" 2>&1 | tee -a "$tf_log"; }

phase "terraform init (the provider from ./bin, through the demo's CLI configuration)"
tf init -input=false
took

phase "terraform apply ($example, every AWS endpoint at the emulator)"
tf apply -auto-approve -var "emulator_endpoint=$endpoint"
took

phase "terraform output"
tf output
took

phase "requests through the emulated CloudFront, load balancer and instance"
# demo_request LABEL URL [curl options...]: one line per request, with the
# status the client got (000 when the connection itself failed).
demo_request() {
  local label=$1 url=$2 code
  shift 2
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --proxy "$proxy" --cacert "$SSL_CERT_FILE" "$@" "$url") || true
  printf '    %-72s -> %s\n' "$label" "$code"
}
if command -v curl >/dev/null 2>&1; then
  cdn=$(tf output -raw cloudfront_domain_name)
  alb=$(tf output -json components | sed -n 's/.*"alb_dns_name":"\([^"]*\)".*/\1/p')
  key=$(tf output -raw ollama_api_key)
  demo_request "GET https://$cdn/healthz" "https://$cdn/healthz"
  demo_request "GET https://$cdn/api/ollama/api/tags" "https://$cdn/api/ollama/api/tags"
  demo_request "GET https://$cdn/api/ollama/api/tags (Bearer <ollama_api_key>)" "https://$cdn/api/ollama/api/tags" \
    -H "Authorization: Bearer $key"
  demo_request "GET https://$cdn/rest/owner/setup" "https://$cdn/rest/owner/setup"
  # The load balancer admits only CloudFront: from the internet the
  # connection times out (the proxy says 504); from a CloudFront address
  # without the origin header the listener answers 403.
  demo_request "GET http://$alb/ (from the internet: dropped, the proxy times out)" "http://$alb/"
  demo_request "GET http://$alb/ (from CloudFront's range, no origin header)" "http://$alb/" -H "X-Awsemu-Source: 130.176.0.10"
else
  echo "    (curl not found: skipped)"
fi
took

phase "terraform destroy"
tf destroy -auto-approve -var "emulator_endpoint=$endpoint"
took

phase "checking that the emulator holds no resources"
inventory=$(http_get "$endpoint/_emu/inventory")
if [[ $(tr -d '[:space:]' <<<"$inventory") != "[]" ]]; then
  echo "demo: resources left in the emulator after destroy:" >&2
  echo "$inventory" >&2
  exit 1
fi
echo "    inventory: []"
took

# A newcomer's first run shows no warnings: one means something in the demo
# or the provider needs fixing.
warnings=$(grep -c 'Warning:' "$tf_log" || true)
if ((warnings > 0)); then
  echo "demo: Terraform printed $warnings warning(s) above; the demo must run without any" >&2
  exit 1
fi

printf '\ndemo: done in %ds: applied, printed the outputs, destroyed, nothing left behind.\n' $((SECONDS - started))
