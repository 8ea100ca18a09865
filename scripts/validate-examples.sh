#!/usr/bin/env bash
# Runs `terraform validate` on every example under examples/ with the provider
# built from this tree (./bin/terraform-provider-geusemaker, `make build`).
#
# - A directory of tfplugindocs snippets (examples/provider, examples/<kind>/<name>)
#   holds independent files (two provider blocks may sit side by side), so each
#   file is validated on its own; a snippet without a required_providers block
#   gets one for geusemaker/geusemaker, as a reader's configuration would have.
# - Any other directory (examples/demo, ...) is a root module, validated whole.
#
# Examples of provider-defined functions (examples/functions) need Terraform
# 1.8; with an older CLI they are listed as skipped, not validated.
#
# Everything runs on a copy of examples/ in a temporary directory, so nothing
# (.terraform/, lock files) is ever written into the repository.
#
# The provider is wired in through a dev_overrides CLI configuration, which
# needs no `terraform init` (and forbids it: init would look the provider up in
# the registry). That works only while a configuration uses no other provider
# and no module; when Terraform asks for init, the example is validated again
# after an init that installs this provider from a local filesystem mirror and
# everything else from its origin registry.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
terraform=${TERRAFORM:-$("$root/scripts/terraform.sh" path)}
provider_bin=$root/bin/terraform-provider-geusemaker
provider_addr=registry.terraform.io/geusemaker/geusemaker

for f in "$terraform" "$provider_bin"; do
  if [[ ! -x $f ]]; then
    echo "validate-examples: $f is missing; run 'make build tools'" >&2
    exit 1
  fi
done
tf_version=$("$root/scripts/terraform.sh" version "$terraform")
functions=1
if [[ ! $tf_version =~ ^1\.[0-7]\. ]]; then
  echo "validate-examples: Terraform $tf_version ($terraform)"
else
  functions=0
  echo "validate-examples: Terraform $tf_version ($terraform): provider functions need 1.8+, their examples are skipped"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/geusemaker-validate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

cat >"$tmp/dev.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "$provider_addr" = "$root/bin"
  }
  direct {}
}
EOF

# The fallback: a filesystem mirror holding only this build of the provider.
mirror_platform=$(go env GOOS)_$(go env GOARCH)
mirror_version=0.0.1
cat >"$tmp/mirror.tfrc" <<EOF
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
make_mirror() {
  local dir=$tmp/mirror/$provider_addr/$mirror_version/$mirror_platform
  if [[ ! -d $dir ]]; then
    mkdir -p "$dir"
    cp "$provider_bin" "$dir/terraform-provider-geusemaker"
  fi
}

# validate DIR LABEL: validate the module in DIR (a scratch copy).
validate() {
  local dir=$1 label=$2 out
  if out=$(TF_CLI_CONFIG_FILE=$tmp/dev.tfrc TF_DATA_DIR=$dir/.terraform \
    "$terraform" -chdir="$dir" validate -no-color 2>&1); then
    echo "ok      $label"
    return 0
  fi
  if ! grep -q 'terraform init' <<<"$out"; then
    printf 'FAILED  %s\n%s\n' "$label" "$out" | sed '2,$s/^/        /'
    return 1
  fi
  # Other providers or modules: install them, with this provider from the mirror.
  make_mirror
  if ! out=$(TF_CLI_CONFIG_FILE=$tmp/mirror.tfrc TF_DATA_DIR=$dir/.terraform \
    "$terraform" -chdir="$dir" init -backend=false -no-color 2>&1); then
    printf 'FAILED  %s (terraform init, needed for its other providers or modules)\n%s\n' "$label" "$out" | sed '2,$s/^/        /'
    return 1
  fi
  if out=$(TF_CLI_CONFIG_FILE=$tmp/mirror.tfrc TF_DATA_DIR=$dir/.terraform \
    "$terraform" -chdir="$dir" validate -no-color 2>&1); then
    echo "ok      $label (after init)"
    return 0
  fi
  printf 'FAILED  %s\n%s\n' "$label" "$out" | sed '2,$s/^/        /'
  return 1
}

# Copy examples/ so relative module sources between examples keep working.
mkdir -p "$tmp/examples"
(cd "$root/examples" && tar --exclude=.terraform --exclude='*.tfstate*' --exclude=.terraform.lock.hcl -cf - .) |
  (cd "$tmp/examples" && tar -xf -)

snippet_dir='^(provider|(actions|data-sources|ephemeral-resources|functions|resources|state-stores)/[^/]+)$'

failed=0 count=0 skipped=0
while IFS= read -r rel; do
  if [[ $rel == functions/* ]] && ((functions == 0)); then
    echo "skipped examples/$rel (Terraform $tf_version cannot call provider functions)"
    skipped=$((skipped + 1))
    continue
  fi
  if [[ $rel =~ $snippet_dir ]]; then
    for file in "$tmp/examples/$rel"/*.tf; do
      name=$(basename "$file" .tf)
      work=$tmp/snippets/$rel/$name
      mkdir -p "$work"
      cp "$file" "$work/"
      if ! grep -q 'required_providers' "$file"; then
        cat >"$work/zz_required_providers.tf" <<'EOF'
terraform {
  required_providers {
    geusemaker = {
      source = "geusemaker/geusemaker"
    }
  }
}
EOF
      fi
      count=$((count + 1))
      validate "$work" "examples/$rel/$name.tf" || failed=$((failed + 1))
    done
  else
    count=$((count + 1))
    validate "$tmp/examples/$rel" "examples/$rel" || failed=$((failed + 1))
  fi
done < <(cd "$root/examples" && find . -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sed 's|^\./||;s|^\.$||' | sort -u)

if ((count == 0)); then
  echo "validate-examples: no example configurations found under examples/" >&2
  exit 1
fi
if ((failed > 0)); then
  echo "validate-examples: $failed of $count example configurations are invalid" >&2
  exit 1
fi
note=
((skipped == 0)) || note=" ($skipped directories skipped: provider functions need Terraform 1.8)"
echo "validate-examples: all $count example configurations are valid$note"
