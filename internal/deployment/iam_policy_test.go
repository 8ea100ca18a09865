package deployment

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// A role made before OnePolicy has the mount in a second inline policy: its
// refresh finds no drift, and the next update folds the two into one. An
// import of a deployment with one policy learns it at its first refresh.
func TestRolePolicyLayouts(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("layout", TierDev)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !st.OnePolicy {
		t.Fatal("a new deployment's role has two policies")
	}
	policies := func() []string {
		out, err := env.c.IAM.ListRolePolicies(env.ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(st.RoleName)})
		if err != nil {
			t.Fatal(err)
		}
		return out.PolicyNames
	}
	if got := policies(); !slices.Equal(got, []string{instancePolicyName}) {
		t.Fatalf("policies %v", got)
	}

	// The imported deployment's record does not say; the refresh finds out.
	_, imported, err := Discover(env.ctx, env.c, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	imported.Converged = true
	if got, err := Refresh(env.ctx, env.c, spec, imported); err != nil || len(got.Drift) != 0 || !got.OnePolicy {
		t.Fatalf("refresh after import: drift %v, one policy %v, %v", got.Drift, got.OnePolicy, err)
	}

	// The layout of an earlier release: two policies.
	o := &op{c: env.c, spec: spec, rec: newRecorder(st)}
	legacy := *st
	legacy.OnePolicy = false
	for name, doc := range map[string]string{instancePolicyName: o.instancePolicy(awsemu.AccountID, ""), efsPolicyName: o.efsPolicy(awsemu.AccountID, st)} {
		if _, err := env.c.IAM.PutRolePolicy(env.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(st.RoleName), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	refreshed, err := Refresh(env.ctx, env.c, spec, &legacy)
	if err != nil || len(refreshed.Drift) != 0 || refreshed.OnePolicy {
		t.Fatalf("refresh of two policies: drift %v, one policy %v, %v", refreshed.Drift, refreshed.OnePolicy, err)
	}
	updated, err := Update(env.ctx, env.c, spec, refreshed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := policies(); !updated.OnePolicy || !slices.Equal(got, []string{instancePolicyName}) {
		t.Fatalf("after the update: one policy %v, policies %v", updated.OnePolicy, got)
	}
	if again, err := Refresh(env.ctx, env.c, spec, updated); err != nil || len(again.Drift) != 0 {
		t.Fatalf("refresh after the update: %v %v", again.Drift, err)
	}
	if _, _, err := Delete(env.ctx, env.c, spec, updated); err != nil {
		t.Fatal(err)
	}
	env.requireEmpty(t)
}
