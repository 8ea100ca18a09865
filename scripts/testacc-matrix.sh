#!/usr/bin/env bash
# make testacc-matrix (what CI runs for the acceptance tests): the suite on
# every Terraform CLI the provider promises to work with.
#
#   1. the whole acceptance suite on the pinned CLI (./bin/terraform, 1.8.5);
#   2. the acceptance packages again on the terraform on PATH, the newest CLI
#      on the machine, when its version differs from the pinned one;
#   3. a smoke set on the oldest supported CLI (./bin/terraform-1.5.7): a
#      tier-3 deployment (create, empty second plan, import with verify,
#      destroy with an empty inventory) and every data source. The tests that
#      call provider functions are in the set too and must be skipped there,
#      saying why.
#
# Both CLIs in ./bin are built from the Go module proxy when missing; the
# 1.5.7 build runs ahead, in the background, while step 1 runs (set
# GEUSEMAKER_BUILD_AHEAD=0 to build it only when step 3 needs it).
# Each run has its own TF_ACC_TERRAFORM_PATH and GEUSEMAKER_ACC_RUN, so go
# test never answers one with a cached result of another.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

tfsh=scripts/terraform.sh
pinned=$($tfsh pinned)
smoke=$($tfsh smoke)
pinned_bin=$root/bin/terraform
smoke_bin=$root/bin/terraform-$smoke
read -r -a test_flags <<<"${TEST_FLAGS:--timeout 60m -p 2}"
build_ahead=${GEUSEMAKER_BUILD_AHEAD:-1}

# The smoke set: existing test names, matched whole.
smoke_pass=(
  TestAccDeployment_tier3                          # tier 3 (GPU and CPU): create, plan empty, import verify, destroy
  TestAccDeploymentDataSources_listAndInspect      # geusemaker_deployments and geusemaker_deployment
  TestAccDeploymentDataSources_emptyRegionAndNotFound
  TestAccCostEstimate_tier1Defaults                # geusemaker_cost_estimate
  TestAccCostEstimate_tier2Assumptions
  TestAccCostEstimate_tier3
  TestAccCostEstimate_unknownInputs
  TestAccCostEstimate_invalidInputs
  TestAccProvider_staticKeys                       # geusemaker_caller_identity
)
smoke_skip=( # provider::geusemaker::estimate_monthly_cost: Terraform 1.8+
  TestAccEstimateMonthlyCost
  TestAccEstimateMonthlyCost_matchesDataSource
  TestAccEstimateMonthlyCost_errors
)
smoke_run="^($(
  IFS='|'
  echo "${smoke_pass[*]}|${smoke_skip[*]}"
))\$"

# The packages whose tests run the Terraform CLI.
mapfile -t acc_pkgs < <(go list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... |
  awk '/terraform-plugin-testing\/helper\/resource/ {print $1}')
if ((${#acc_pkgs[@]} == 0)); then
  echo "testacc-matrix: no package imports terraform-plugin-testing/helper/resource" >&2
  exit 1
fi

ahead_pid='' ahead_log=$root/bin/.terraform-$smoke.build.log
cleanup() {
  if [[ -n $ahead_pid ]] && kill -0 "$ahead_pid" 2>/dev/null; then
    kill -- "-$ahead_pid" 2>/dev/null || true
    wait "$ahead_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

summary=()
started=$SECONDS
# record LABEL SECONDS RESULT
record() { summary+=("$(printf '%-52s %5ds  %s' "$1" "$2" "$3")"); }

# acc CLI ARGS...: go test with TF_ACC on CLI, a fresh run id, ARGS.
acc() {
  local cli=$1
  shift
  TF_ACC=1 TF_ACC_TERRAFORM_PATH=$cli GEUSEMAKER_REQUIRE_SHELLCHECK=1 GEUSEMAKER_REQUIRE_NGINX=1 \
    GEUSEMAKER_ACC_RUN="$(date +%s.%N)-$$" go test "${test_flags[@]}" "$@"
}

echo "==> Terraform $pinned (pinned)"
s=$SECONDS
$tfsh install "$pinned" "$pinned_bin"
record "build terraform $pinned" $((SECONDS - s)) ok

if [[ $($tfsh version "$smoke_bin") != "$smoke" && $build_ahead == 1 ]]; then
  echo "==> building terraform $smoke in the background (log: ${ahead_log#"$root"/})"
  ahead_started=$SECONDS
  # Its own process group (setsid), so that cleanup can end all of it; at a
  # lower priority (nice), so that it takes what the tests leave idle.
  setsid nice -n 10 "$tfsh" install "$smoke" "$smoke_bin" >"$ahead_log" 2>&1 &
  ahead_pid=$!
fi

echo
echo "==> acceptance suite on Terraform $pinned ($pinned_bin): ./..."
s=$SECONDS
acc "$pinned_bin" ./...
record "acceptance suite, Terraform $pinned" $((SECONDS - s)) ok

newest=$(command -v terraform 2>/dev/null || true)
newest_version=
if [[ -n $newest ]]; then
  newest_version=$($tfsh version "$newest")
fi
echo
if [[ -z $newest ]]; then
  echo "==> no terraform on PATH: the pinned $pinned is the newest CLI here"
  record "acceptance on PATH's CLI" 0 "none on PATH"
elif [[ -z $newest_version ]]; then
  echo "==> $newest does not report a Terraform version: skipped"
  record "acceptance on PATH's CLI ($newest)" 0 "not a Terraform CLI"
elif [[ $newest_version == "$pinned" ]]; then
  echo "==> the terraform on PATH ($newest) is $pinned too: already tested"
  record "acceptance on PATH's CLI" 0 "same version as pinned"
else
  echo "==> acceptance packages on Terraform $newest_version ($newest, the CLI on PATH): ${acc_pkgs[*]}"
  s=$SECONDS
  acc "$newest" -count=1 "${acc_pkgs[@]}"
  record "acceptance packages, Terraform $newest_version (PATH)" $((SECONDS - s)) ok
fi

echo
echo "==> Terraform $smoke (oldest supported)"
s=$SECONDS
if [[ -n $ahead_pid ]]; then
  if ! wait "$ahead_pid"; then
    ahead_pid=
    cat "$ahead_log" >&2
    echo "testacc-matrix: building terraform $smoke failed" >&2
    exit 1
  fi
  ahead_pid=
  cat "$ahead_log"
  echo "    (built in the background in $((SECONDS - ahead_started))s; waited $((SECONDS - s))s for it here)"
  record "build terraform $smoke (background, waited)" $((SECONDS - s)) ok
else
  $tfsh install "$smoke" "$smoke_bin"
  record "build terraform $smoke" $((SECONDS - s)) ok
fi
rm -f "$ahead_log"

echo
echo "==> smoke set on Terraform $smoke ($smoke_bin): -run '$smoke_run'"
s=$SECONDS
out=$(mktemp "${TMPDIR:-/tmp}/geusemaker-smoke.XXXXXX")
if ! acc "$smoke_bin" -count=1 -v -run "$smoke_run" "${acc_pkgs[@]}" >"$out" 2>&1; then
  cat "$out"
  rm -f "$out"
  echo "testacc-matrix: the smoke set failed on Terraform $smoke" >&2
  exit 1
fi
# Top-level results only (subtests are indented); a renamed or lost test, or
# one that skips where it should pass, fails the run.
grep -E '^(--- |ok |FAIL|PASS)' "$out"
grep -Eo 'Terraform CLI version .* skipping test.*' "$out" | sort | uniq -c || true
bad=0
for name in "${smoke_pass[@]}"; do
  if ! grep -Eq "^--- PASS: $name \(" "$out" || grep -Eq "^ *--- SKIP: $name/" "$out"; then
    echo "testacc-matrix: $name did not pass on Terraform $smoke" >&2
    bad=1
  fi
done
# A function test (or each of its subtests) must be skipped, none run: a
# parent whose subtests all skipped reports PASS itself.
for name in "${smoke_skip[@]}"; do
  if ! grep -Eq "^ *--- SKIP: $name( |/)" "$out" || grep -Eq "^ *--- PASS: $name/" "$out"; then
    echo "testacc-matrix: $name was not skipped on Terraform $smoke (it calls a provider function, which needs 1.8)" >&2
    bad=1
  fi
done
rm -f "$out"
((bad == 0)) || exit 1
record "smoke set, Terraform $smoke" $((SECONDS - s)) "ok: ${#smoke_pass[@]} passed, ${#smoke_skip[@]} skipped (functions need 1.8)"

echo
echo "testacc-matrix: all passed in $((SECONDS - started))s"
printf '    %s\n' "${summary[@]}"
