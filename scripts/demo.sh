#!/usr/bin/env bash
# make demo: deploy examples/demo against the bundled AWS emulator, print the
# outputs, destroy, and prove that nothing is left behind. No AWS account is
# used: every endpoint of the provider points at the emulator on a free
# loopback port. The emulator always stops when this script ends, and all
# Terraform state lives in a temporary directory outside the repository.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

terraform=${TERRAFORM:-$root/bin/terraform}
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

if [[ ! -x $terraform ]]; then
  echo "demo: $terraform is missing; run 'make tools'" >&2
  exit 1
fi

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
bin/awsemu -listen 127.0.0.1:0 -speed "$speed" -knobs quota.L-DB2E81BA=8 -url-file "$tmp/emulator-url" >"$emu_log" 2>&1 &
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

# A Terraform CLI configuration that serves geusemaker/geusemaker from ./bin:
# no registry, no `terraform init` (Terraform refuses init for overridden
# providers). The configuration runs from a copy so that state and
# .terraform/ stay out of the repository.
cat >"$tmp/terraform.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/geusemaker/geusemaker" = "$root/bin"
  }
  direct {}
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
tf() { "$terraform" -chdir="$tmp/work" "$@"; }

phase "terraform apply ($example, every AWS endpoint at the emulator)"
tf apply -auto-approve -var "emulator_endpoint=$endpoint"
took

phase "terraform output"
tf output
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

printf '\ndemo: done in %ds: applied, printed the outputs, destroyed, nothing left behind.\n' $((SECONDS - started))
