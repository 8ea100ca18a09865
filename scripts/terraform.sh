#!/usr/bin/env bash
# Which Terraform CLI make demo, make test and make docs use, and the builds
# of the pinned and smoke-test versions into ./bin. The one place that knows
# the supported versions.
#
#   terraform.sh path [--functions]     print the CLI to use (nothing is built)
#   terraform.sh ensure [--functions]   print "using Terraform X from ...: why",
#                                       building the pinned CLI first if needed
#   terraform.sh install VERSION DEST   build Terraform VERSION into DEST from
#                                       the Go module proxy, unless DEST is it
#   terraform.sh version BINARY         print BINARY's version (x.y.z)
#   terraform.sh pinned | smoke         print the pinned / smoke-test version
#
# The choice: TERRAFORM=/path when set (it must be new enough); else the
# `terraform` on PATH when it is 1.5 or newer; else the pinned 1.8.5, built
# into ./bin/terraform. --functions asks for 1.8 or newer (provider-defined
# functions: docs generation needs their schemas), so a 1.5 to 1.7 CLI on PATH
# gives way to the pinned one.
set -euo pipefail

pinned_version=1.8.5 # built into ./bin/terraform; CI runs the full acceptance suite on it
smoke_version=1.5.7  # the oldest supported (the last MPL-licensed release); CI runs a smoke set on it
min_version=1.5      # the provider (protocol 6, import blocks) works from here
functions_version=1.8

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pinned_bin=$root/bin/terraform

die() {
  echo "terraform.sh: $*" >&2
  exit 1
}

# version BINARY: x.y.z of a Terraform CLI, or nothing when it is not one.
# No CLI configuration is read (the machine's may be missing: a warning) and
# no version check is made over the network.
version() {
  local first
  first=$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null | head -n1) || true
  if [[ $first =~ ^Terraform\ v([0-9]+\.[0-9]+\.[0-9]+) ]]; then
    echo "${BASH_REMATCH[1]}"
  fi
}

# at_least VERSION MIN: VERSION (x.y.z) >= MIN (x.y or x.y.z).
at_least() {
  local -a v m
  IFS=. read -r -a v <<<"$1"
  IFS=. read -r -a m <<<"$2"
  local i
  for i in 0 1 2; do
    local a=${v[i]:-0} b=${m[i]:-0}
    if ((10#$a != 10#$b)); then
      ((10#$a > 10#$b))
      return
    fi
  done
  return 0
}

# select NEED: sets cli, why and build (1 when the pinned CLI must be built).
select_cli() {
  local need=$1 found v
  build=0
  if [[ -n ${TERRAFORM:-} ]]; then
    cli=$TERRAFORM
    [[ -x $cli ]] || die "TERRAFORM=$cli is not an executable file"
    v=$(version "$cli")
    [[ -n $v ]] || die "TERRAFORM=$cli does not report a Terraform version ('$cli version')"
    at_least "$v" "$need" || die "TERRAFORM=$cli is Terraform $v; this needs $need or newer"
    why="using Terraform $v from TERRAFORM ($cli): set by you"
    if ! at_least "$v" "$functions_version"; then
      why+="; provider functions need $functions_version+, so provider::geusemaker::estimate_monthly_cost is unavailable with it"
    fi
    return
  fi
  if found=$(command -v terraform 2>/dev/null) && [[ $found != "$pinned_bin" ]]; then
    v=$(version "$found")
    if [[ -n $v ]] && at_least "$v" "$need"; then
      cli=$found
      why="using Terraform $v from PATH ($found): the provider needs $min_version+"
      if at_least "$v" "$functions_version"; then
        why+=", provider functions need $functions_version+"
      else
        why+="; provider functions need $functions_version+, so provider::geusemaker::estimate_monthly_cost is unavailable with it (TERRAFORM=/path picks another CLI)"
      fi
      because=
    elif [[ -n $v ]]; then
      because="the terraform on PATH ($found) is $v, older than $need"
    else
      because="$found does not report a Terraform version"
    fi
  else
    because="no terraform on PATH"
  fi
  if [[ -z ${cli:-} ]]; then
    cli=$pinned_bin
    why="using the pinned Terraform $pinned_version (./bin/terraform): $because"
    if [[ $(version "$pinned_bin") != "$pinned_version" ]]; then
      build=1
      why+="; building it from source first (5 to 10 minutes the first time; install Terraform $min_version+ on PATH to skip this)"
    fi
  fi
}

# install VERSION DEST: go install into a scratch GOBIN, then move into DEST,
# so that an interrupted build never leaves a half-written CLI behind.
install() {
  local want=$1 dest=$2 have
  have=$(version "$dest" 2>/dev/null || true)
  if [[ $have == "$want" ]]; then
    echo "terraform $want ($dest): ok"
    return
  fi
  echo "==> building terraform $want into $dest from the Go module proxy (5 to 10 minutes the first time)"
  mkdir -p "$(dirname "$dest")"
  gobin=$(mktemp -d "$(dirname "$dest")/.gobin.XXXXXX") # global: the EXIT trap reads it
  trap 'rm -rf "$gobin"' EXIT
  # version.dev=no: report "1.8.5", not "1.8.5-dev", as a release build does.
  GOBIN=$gobin go install \
    -ldflags "-X github.com/hashicorp/terraform/version.dev=no" \
    "github.com/hashicorp/terraform@v$want"
  mv -f "$gobin/terraform" "$dest"
  have=$(version "$dest")
  [[ $have == "$want" ]] || die "built $dest, but it reports version '$have', not $want"
}

cmd=${1:-}
shift || true
need=$min_version
if [[ ${1:-} == --functions ]]; then
  need=$functions_version
fi
cli=
case $cmd in
path)
  select_cli "$need"
  echo "$cli"
  ;;
ensure)
  select_cli "$need"
  echo "$why"
  if ((build)); then
    install "$pinned_version" "$pinned_bin"
  fi
  ;;
install)
  [[ $# -eq 2 ]] || die "usage: terraform.sh install VERSION DEST"
  install "$1" "$2"
  ;;
version)
  [[ $# -eq 1 ]] || die "usage: terraform.sh version BINARY"
  version "$1"
  ;;
pinned) echo "$pinned_version" ;;
smoke) echo "$smoke_version" ;;
*) die "usage: terraform.sh path|ensure [--functions] | install VERSION DEST | version BINARY | pinned | smoke" ;;
esac
