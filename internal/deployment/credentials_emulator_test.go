package deployment

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// userDataScript reads an instance's user data through the SDK, as anyone
// allowed ec2:DescribeInstanceAttribute can, and unpacks it.
func userDataScript(t *testing.T, env *testEnv, id string) string {
	t.Helper()
	out, err := env.c.EC2.DescribeInstanceAttribute(env.ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: ec2types.InstanceAttributeNameUserData})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.UserData.Value))
	if err != nil {
		t.Fatal(err)
	}
	script, err := userdata.Decompress(raw)
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// paramValues reads the deployment's parameters through the SDK.
func paramValues(t *testing.T, env *testEnv, name string) map[string]ssmtypes.Parameter {
	t.Helper()
	out, err := env.c.SSM.GetParametersByPath(env.ctx, &ssm.GetParametersByPathInput{Path: aws.String("/geusemaker/" + name + "/"), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]ssmtypes.Parameter{}
	for _, p := range out.Parameters {
		m[strings.TrimPrefix(aws.ToString(p.Name), "/geusemaker/"+name+"/")] = p
	}
	return m
}

// The credentials of a new deployment: generated, valid for the boot
// script, in SSM as SecureStrings with the AWS managed key (the email as a
// String), tagged, absent from the user data, which names only the path;
// the instance role reads exactly that path.
func TestCredentialsCreate(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("creds", TierDev)
	spec.OwnerEmail = "ops@example.com"
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	secrets := []string{userdata.ParamN8NOwnerPassword, userdata.ParamOllamaAPIKey, userdata.ParamQdrantAPIKey, userdata.ParamCrawl4AIToken}
	if got := slices.Sorted(maps.Keys(st.Credentials)); !slices.Equal(got, slices.Sorted(slices.Values(secrets))) {
		t.Fatalf("generated %v", got)
	}
	for p, v := range st.Credentials {
		if err := userdata.CheckCredential(p, v); err != nil {
			t.Errorf("generated %s is not accepted by the boot script: %v", p, err)
		}
	}
	if !slices.Equal(st.CredentialParams, spec.CredentialParamNames()) || len(st.CredentialParams) != 5 {
		t.Fatalf("recorded parameters %v", st.CredentialParams)
	}
	params := paramValues(t, env, "creds")
	if len(params) != 5 || aws.ToString(params[userdata.ParamN8NOwnerEmail].Value) != "ops@example.com" || params[userdata.ParamN8NOwnerEmail].Type != ssmtypes.ParameterTypeString {
		t.Fatalf("parameters %+v", params)
	}
	for _, p := range secrets {
		if params[p].Type != ssmtypes.ParameterTypeSecureString || aws.ToString(params[p].Value) != st.Credentials[p] {
			t.Errorf("%s: %s %q, want the SecureString %q", p, params[p].Type, aws.ToString(params[p].Value), st.Credentials[p])
		}
	}
	meta, err := env.c.SSM.DescribeParameters(env.ctx, &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Path"), Option: aws.String("OneLevel"), Values: []string{"/geusemaker/creds/"}}}})
	if err != nil || len(meta.Parameters) != 5 {
		t.Fatalf("describe: %v %v", meta, err)
	}
	for _, m := range meta.Parameters {
		if m.Type == ssmtypes.ParameterTypeSecureString && aws.ToString(m.KeyId) != "alias/aws/ssm" {
			t.Errorf("%s is encrypted with %q", aws.ToString(m.Name), aws.ToString(m.KeyId))
		}
	}
	tags, err := env.c.SSM.ListTagsForResource(env.ctx, &ssm.ListTagsForResourceInput{ResourceId: aws.String(st.CredentialParams[1]), ResourceType: ssmtypes.ResourceTypeForTaggingParameter})
	if err != nil {
		t.Fatal(err)
	}
	if tm := tagsOf(tags.TagList); tm[TagDeployment] != "creds" || tm[TagComponent] != CompCredentials || tm["team"] != "ai" {
		t.Fatalf("tags %v", tm)
	}

	script := userDataScript(t, env, st.InstanceID)
	for p, v := range st.Credentials {
		if strings.Contains(script, v) {
			t.Errorf("the user data contains the value of %s", p)
		}
	}
	if strings.Contains(script, "ops@example.com") {
		t.Error("the user data contains the owner email")
	}
	if m, ok := bootmarker.ParseManifest(script); !ok || m.CredentialsPath != "/geusemaker/creds/" {
		t.Fatalf("manifest %+v %v", m, ok)
	}

	// The role: the scoped inline policy, no AWS managed policy.
	attached, err := env.c.IAM.ListAttachedRolePolicies(env.ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(st.RoleName)})
	if err != nil || len(attached.AttachedPolicies) != 0 {
		t.Fatalf("attached %v %v", attached, err)
	}
	simulate := func(action, resource string) iamtypes.PolicyEvaluationDecisionType {
		t.Helper()
		out, err := env.c.IAM.SimulatePrincipalPolicy(env.ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(st.RoleARN), ActionNames: []string{action}, ResourceArns: []string{resource}})
		if err != nil {
			t.Fatal(err)
		}
		return out.EvaluationResults[0].EvalDecision
	}
	arn := func(name string) string { return "arn:aws:ssm:us-east-1:" + awsemu.AccountID + ":parameter" + name }
	for _, c := range []struct {
		action, resource string
		want             iamtypes.PolicyEvaluationDecisionType
	}{
		{"ssm:GetParameters", arn("/geusemaker/creds/ollama-api-key"), iamtypes.PolicyEvaluationDecisionTypeAllowed},
		{"ssm:GetParameters", arn("/geusemaker/other/ollama-api-key"), iamtypes.PolicyEvaluationDecisionTypeImplicitDeny},
		{"ssm:GetParameters", arn("/geusemaker/creds-2/ollama-api-key"), iamtypes.PolicyEvaluationDecisionTypeImplicitDeny},
		{"ssm:GetParameter", arn("/geusemaker/creds/ollama-api-key"), iamtypes.PolicyEvaluationDecisionTypeImplicitDeny},
		{"ssm:GetParametersByPath", arn("/geusemaker/creds"), iamtypes.PolicyEvaluationDecisionTypeImplicitDeny},
		{"ssm:PutParameter", arn("/geusemaker/creds/ollama-api-key"), iamtypes.PolicyEvaluationDecisionTypeImplicitDeny},
		{"ssmmessages:OpenDataChannel", "*", iamtypes.PolicyEvaluationDecisionTypeAllowed},
		{"ssm:UpdateInstanceInformation", "*", iamtypes.PolicyEvaluationDecisionTypeAllowed},
		{"ssm:SendCommand", "*", iamtypes.PolicyEvaluationDecisionTypeImplicitDeny},
		{"elasticfilesystem:ClientMount", "arn:aws:elasticfilesystem:us-east-1:" + awsemu.AccountID + ":file-system/" + st.EFSID, iamtypes.PolicyEvaluationDecisionTypeAllowed},
	} {
		if got := simulate(c.action, c.resource); got != c.want {
			t.Errorf("instance role %s on %s: %s, want %s", c.action, c.resource, got, c.want)
		}
	}

	// A session of another role, allowed its own deployment's path only,
	// is refused this one's.
	admin := env.c.IAM
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awsemu.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`
	role, err := admin.CreateRole(env.ctx, &iam.CreateRoleInput{RoleName: aws.String("other-app"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameters","Resource":"` + arn("/geusemaker/other/*") + `"}]}`
	if _, err := admin.PutRolePolicy(env.ctx, &iam.PutRolePolicyInput{RoleName: aws.String("other-app"), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	cfg := emutest.Config(env.emu, testRegion)
	sess, err := sts.NewFromConfig(cfg).AssumeRole(env.ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("probe")})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(sess.Credentials.AccessKeyId), aws.ToString(sess.Credentials.SecretAccessKey), aws.ToString(sess.Credentials.SessionToken))
	_, err = ssm.NewFromConfig(cfg).GetParameters(env.ctx, &ssm.GetParametersInput{Names: []string{"/geusemaker/creds/ollama-api-key"}, WithDecryption: aws.Bool(true)})
	if errs.Code(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "assumed-role/other-app/probe is not authorized to perform: ssm:GetParameters") {
		t.Fatalf("another role's session read the credentials: %v", err)
	}
	if _, err := admin.DeleteRolePolicy(env.ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("other-app"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.DeleteRole(env.ctx, &iam.DeleteRoleInput{RoleName: aws.String("other-app")}); err != nil {
		t.Fatal(err)
	}

	// Import finds the same record: the values back from SSM, the email,
	// and an instance key that keeps the instance.
	dspec, dst, err := Discover(env.ctx, env.c, "creds")
	if err != nil {
		t.Fatal(err)
	}
	if dspec.OwnerEmail != "ops@example.com" || !maps.Equal(dst.Credentials, st.Credentials) || !slices.Equal(dst.CredentialParams, st.CredentialParams) ||
		dst.UserDataHash != st.UserDataHash || dst.Status != StatusRunning {
		t.Fatalf("discovered %+v %+v", dspec.OwnerEmail, dst.CredentialsState)
	}
	if got := ServiceCredentials(spec, st); len(got) != 5 || got["n8n_owner_email"] != "ops@example.com" || got["ollama_api_key"] != st.Credentials[userdata.ParamOllamaAPIKey] {
		t.Fatalf("service credentials %v", got)
	}

	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("delete: %v", err)
	}
	env.requireEmpty(t)
}

func tagsOf(list []ssmtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range list {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// What changes the credentials replaces only the instance; drift in SSM is
// found by a refresh and written back; removed services lose their
// parameters.
func TestCredentialsChanges(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("rot", TierDev)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	first := maps.Clone(st.Credentials)

	// Drift: one parameter deleted, one overwritten outside Terraform.
	if _, err := env.c.SSM.DeleteParameter(env.ctx, &ssm.DeleteParameterInput{Name: aws.String("/geusemaker/rot/qdrant-api-key")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.SSM.PutParameter(env.ctx, &ssm.PutParameterInput{Name: aws.String("/geusemaker/rot/ollama-api-key"), Value: aws.String("changed-by-hand"),
		Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	ref, err := Refresh(env.ctx, env.c, spec, st)
	if err != nil || ref.Status != StatusDegraded || !slices.Equal(Missing(spec, ref), []string{CompCredentials}) ||
		slices.Contains(ref.CredentialParams, "/geusemaker/rot/qdrant-api-key") || slices.Contains(ref.CredentialParams, "/geusemaker/rot/ollama-api-key") {
		t.Fatalf("refresh: %v %s %v %v", err, ref.Status, Missing(spec, ref), ref.CredentialParams)
	}
	up, err := Update(env.ctx, env.c, spec, ref, spec.Tags)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if up.InstanceID != st.InstanceID || !maps.Equal(up.Credentials, first) || len(up.CredentialParams) != 5 {
		t.Fatalf("repair replaced the instance or the credentials: %+v", up.CredentialsState)
	}
	if p := paramValues(t, env, "rot"); aws.ToString(p[userdata.ParamOllamaAPIKey].Value) != first[userdata.ParamOllamaAPIKey] || aws.ToString(p[userdata.ParamQdrantAPIKey].Value) != first[userdata.ParamQdrantAPIKey] {
		t.Fatalf("not written back: %+v", p)
	}

	// The owner email: new value in SSM, a new instance, the same EFS.
	spec.OwnerEmail = "new-owner@example.com"
	up2, err := Update(env.ctx, env.c, spec, up, spec.Tags)
	if err != nil {
		t.Fatalf("update email: %v", err)
	}
	if up2.InstanceID == up.InstanceID || up2.EFSID != st.EFSID || !maps.Equal(up2.Credentials, first) {
		t.Fatalf("email change: instance %s → %s, efs %s → %s", up.InstanceID, up2.InstanceID, st.EFSID, up2.EFSID)
	}
	if p := paramValues(t, env, "rot"); aws.ToString(p[userdata.ParamN8NOwnerEmail].Value) != "new-owner@example.com" {
		t.Fatalf("email parameter %q", aws.ToString(p[userdata.ParamN8NOwnerEmail].Value))
	}

	// Rotation: every generated value changes, the tag says under what.
	spec.CredentialsRotation = "2026-10"
	up3, err := Update(env.ctx, env.c, spec, up2, spec.Tags)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if up3.InstanceID == up2.InstanceID || up3.EFSID != st.EFSID || up3.CredentialsRotation != "2026-10" {
		t.Fatalf("rotation kept the instance: %+v", up3.CredentialsState)
	}
	for p, v := range up3.Credentials {
		if v == first[p] {
			t.Errorf("%s was not rotated", p)
		}
	}
	params := paramValues(t, env, "rot")
	tags, err := env.c.SSM.ListTagsForResource(env.ctx, &ssm.ListTagsForResourceInput{ResourceId: aws.String("/geusemaker/rot/crawl4ai-token"), ResourceType: ssmtypes.ResourceTypeForTaggingParameter})
	if err != nil || tagsOf(tags.TagList)[TagCredentialsRotation] != "2026-10" || aws.ToString(params[userdata.ParamCrawl4AIToken].Value) != up3.Credentials[userdata.ParamCrawl4AIToken] {
		t.Fatalf("rotation tag %v %v", tags, err)
	}
	if _, dst, err := Discover(env.ctx, env.c, "rot"); err != nil || dst.CredentialsRotation != "2026-10" {
		t.Fatalf("discovered rotation %v", err)
	}
	// The same value again changes nothing.
	if again, err := Update(env.ctx, env.c, spec, up3, spec.Tags); err != nil || again.InstanceID != up3.InstanceID || !maps.Equal(again.Credentials, up3.Credentials) {
		t.Fatalf("a second apply rotated again: %v", err)
	}

	// Ollama and Crawl4AI removed: their parameters go, n8n's and Qdrant's stay.
	spec.Services, spec.Models = []string{userdata.ServiceN8N, userdata.ServiceQdrant, userdata.ServicePostgres}, nil
	up4, err := Update(env.ctx, env.c, spec, up3, spec.Tags)
	if err != nil {
		t.Fatalf("services: %v", err)
	}
	if got := slices.Sorted(maps.Keys(paramValues(t, env, "rot"))); !slices.Equal(got, []string{"n8n-owner-email", "n8n-owner-password", "qdrant-api-key"}) {
		t.Fatalf("parameters after removing services: %v", got)
	}
	if _, ok := up4.Credentials[userdata.ParamOllamaAPIKey]; ok || len(up4.CredentialParams) != 3 {
		t.Fatalf("record %+v", up4.CredentialsState)
	}
	if _, _, err := Delete(env.ctx, env.c, spec, up4); err != nil {
		t.Fatalf("delete: %v", err)
	}
	env.requireEmpty(t)
}

// Parameters under the name block a create (the duplicate check), and a
// failed create deletes the ones it wrote.
func TestCredentialsDuplicateAndRollback(t *testing.T) {
	env := newTestEnv(t, nil)
	if _, err := env.c.SSM.PutParameter(env.ctx, &ssm.PutParameterInput{Name: aws.String("/geusemaker/dup/ollama-api-key"), Value: aws.String("x"), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	_, err := Create(env.ctx, env.c, testSpec("dup", TierDev))
	if err == nil || !strings.Contains(err.Error(), "ssm-parameter /geusemaker/dup/ollama-api-key") {
		t.Fatalf("duplicate check: %v", err)
	}
	if _, err := env.c.SSM.DeleteParameter(env.ctx, &ssm.DeleteParameterInput{Name: aws.String("/geusemaker/dup/ollama-api-key")}); err != nil {
		t.Fatal(err)
	}
	env.emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "RunInstances", Code: "InsufficientInstanceCapacity", Status: 500})
	st, err := Create(env.ctx, env.c, testSpec("dup", TierDev))
	var de *Error
	if st != nil || !errors.As(err, &de) || !de.RolledBack {
		t.Fatalf("create: %v %+v", err, st)
	}
	env.requireEmpty(t)
}

// The instance policy names the deployment's path in its region and account,
// and with the file system, that file system alone.
func TestInstancePolicyDocument(t *testing.T) {
	o := &op{c: &Clients{Partition: "aws"}, spec: &Spec{Name: "ai", Region: "eu-west-1"}}
	var doc struct {
		Statement []struct {
			Action   []string
			Resource any
		}
	}
	if err := json.Unmarshal([]byte(o.instancePolicy("123456789012", "")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != 2 || doc.Statement[1].Resource != "arn:aws:ssm:eu-west-1:123456789012:parameter/geusemaker/ai/*" ||
		!slices.Equal(doc.Statement[1].Action, []string{"ssm:GetParameters"}) || slices.Contains(doc.Statement[0].Action, "ssm:GetParameters") {
		t.Fatalf("policy %s", o.instancePolicy("123456789012", ""))
	}
	doc.Statement = nil
	if err := json.Unmarshal([]byte(o.instancePolicy("123456789012", "fs-0123")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != 3 || doc.Statement[2].Resource != "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123" ||
		!slices.Contains(doc.Statement[2].Action, "elasticfilesystem:ClientMount") {
		t.Fatalf("policy with the file system %s", o.instancePolicy("123456789012", "fs-0123"))
	}
}

// The policy's account is the role's once there is a role (a refresh asks
// STS nothing), the caller's before, and "*" when the provider may not ask
// or STS could not say.
func TestInstancePolicyAccount(t *testing.T) {
	asked := 0
	caller := func(account string, err error) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { asked++; return account, err }
	}
	boom := errors.New("throttled")
	cases := []struct {
		name, roleARN string
		account       func(context.Context) (string, error)
		want          string
		asks          int
		err           error
	}{
		{"role recorded", "arn:aws:iam::210987654321:role/geusemaker/ai-role", caller("123456789012", nil), "210987654321", 0, nil},
		{"no role yet", "", caller("123456789012", nil), "123456789012", 1, nil},
		{"may not ask", "arn:aws:iam::210987654321:role/geusemaker/ai-role", nil, "*", 0, nil},
		{"STS could not say", "", caller("", nil), "*", 1, nil},
		{"STS failed", "", caller("", boom), "*", 1, boom},
	}
	for _, tc := range cases {
		asked = 0
		o := &op{c: &Clients{Account: tc.account}, spec: &Spec{Name: "ai"}, rec: newRecorder(&State{IAMState: IAMState{RoleARN: tc.roleARN}})}
		got, err := o.accountID(context.Background())
		if got != tc.want || asked != tc.asks || !errors.Is(err, tc.err) {
			t.Errorf("%s: account %q after %d STS calls (%v), want %q after %d (%v)", tc.name, got, asked, err, tc.want, tc.asks, tc.err)
		}
	}
}
