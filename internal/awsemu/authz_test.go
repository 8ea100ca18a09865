package awsemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
	"github.com/aws/smithy-go"
)

// wantDenied asserts an access-denied error: code, HTTP status and message
// fragments.
func wantDenied(t *testing.T, err error, code string, status int, fragments ...string) {
	t.Helper()
	wantAPIError(t, err, code, status, "")
	var ae smithy.APIError
	errors.As(err, &ae)
	for _, f := range fragments {
		if !strings.Contains(ae.ErrorMessage(), f) {
			t.Fatalf("%s message %q lacks %q", code, ae.ErrorMessage(), f)
		}
	}
}

// The knob iam.deny denies actions on real calls with each service's own
// access-denied error: EC2 UnauthorizedOperation 403 with an encoded message,
// the query protocols AccessDenied 403, JSON 1.1 AccessDeniedException 400,
// REST-JSON (EFS) AccessDeniedException 403, REST-XML AccessDenied 403.
func TestAuthzKnobDenyPerProtocol(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"iam.deny": "ec2:DescribeVpcs, ec2:RunInstances,elasticloadbalancing:CreateLoadBalancer,iam:ListRoles,acm:ListCertificates,ssm:GetParameter,elasticfilesystem:Describe*,cloudfront:ListDistributions,wafv2:ListWebACLs,sts:GetCallerIdentity"}})
	cfg := sdkConfig(e, "us-east-1")
	const user = "User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: "
	const scp = " with an explicit deny in a service control policy"

	_, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{})
	wantDenied(t, err, "UnauthorizedOperation", http.StatusForbidden, "You are not authorized to perform this operation. "+user+"ec2:DescribeVpcs"+scp)

	_, err = ec2.NewFromConfig(cfg).RunInstances(ctx(t), &ec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	wantDenied(t, err, "UnauthorizedOperation", http.StatusForbidden, "Encoded authorization failure message: ")
	var ae smithy.APIError
	errors.As(err, &ae)
	encoded := ae.ErrorMessage()[strings.LastIndex(ae.ErrorMessage(), " ")+1:]
	dec, err := sts.NewFromConfig(cfg).DecodeAuthorizationMessage(ctx(t), &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)})
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Allowed      bool `json:"allowed"`
		ExplicitDeny bool `json:"explicitDeny"`
		Context      struct {
			Action    string `json:"action"`
			Principal struct {
				Arn string `json:"arn"`
			} `json:"principal"`
		} `json:"context"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(dec.DecodedMessage)), &decoded); err != nil || decoded.Allowed || !decoded.ExplicitDeny ||
		decoded.Context.Action != "ec2:RunInstances" || decoded.Context.Principal.Arn != "arn:aws:iam::123456789012:user/emulator" {
		t.Fatalf("decoded = %s (%v)", aws.ToString(dec.DecodedMessage), err)
	}
	_, err = sts.NewFromConfig(cfg).DecodeAuthorizationMessage(ctx(t), &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("not-a-message")})
	wantAPIError(t, err, "InvalidAuthorizationMessageException", http.StatusBadRequest, "")

	_, err = elbv2.NewFromConfig(cfg).CreateLoadBalancer(ctx(t), &elbv2.CreateLoadBalancerInput{Name: aws.String("lb")})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, user+"elasticloadbalancing:CreateLoadBalancer"+scp)
	_, err = iam.NewFromConfig(cfg).ListRoles(ctx(t), &iam.ListRolesInput{})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, user+"iam:ListRoles")
	_, err = acm.NewFromConfig(cfg).ListCertificates(ctx(t), &acm.ListCertificatesInput{})
	wantDenied(t, err, "AccessDeniedException", http.StatusBadRequest, user+"acm:ListCertificates")
	_, err = ssm.NewFromConfig(cfg).GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/aws/service/x")})
	wantDenied(t, err, "AccessDeniedException", http.StatusBadRequest, user+"ssm:GetParameter on resource: arn:aws:ssm:us-east-1::parameter/aws/service/x")
	_, err = efs.NewFromConfig(cfg).DescribeFileSystems(ctx(t), &efs.DescribeFileSystemsInput{})
	wantDenied(t, err, "AccessDeniedException", http.StatusForbidden, user+"elasticfilesystem:DescribeFileSystems")
	_, err = cloudfront.NewFromConfig(cfg).ListDistributions(ctx(t), &cloudfront.ListDistributionsInput{})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, user+"cloudfront:ListDistributions")
	_, err = wafv2.NewFromConfig(cfg).ListWebACLs(ctx(t), &wafv2.ListWebACLsInput{Scope: waftypes.ScopeRegional})
	wantDenied(t, err, "AccessDeniedException", http.StatusBadRequest, user+"wafv2:ListWebACLs")

	// GetCallerIdentity needs no permission: a deny does not apply to it.
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	// What is not denied works, and the knob can be cleared.
	if _, err := ec2.NewFromConfig(cfg).DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{}); err != nil {
		t.Fatal(err)
	}
	e.SetKnob("iam.deny", "")
	if _, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	// The call log says why.
	found := false
	for _, c := range e.Calls() {
		if c.Operation == "CreateLoadBalancer" && c.Error == "AccessDenied" && c.Notes["authz"] == "explicitDeny elasticloadbalancing:CreateLoadBalancer" {
			found = true
		}
	}
	if !found {
		t.Fatal("the call log does not record the denial")
	}
}

// assumeRole assumes a role with the default key and returns a config signed
// with the session's keys.
func assumeRole(t *testing.T, e *Emulator, roleARN string) aws.Config {
	t.Helper()
	out, err := sts.NewFromConfig(sdkConfig(e, "us-east-1")).AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("test")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	return sdkConfigWith(e, "us-east-1", credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
}

// A session of a role has exactly the role's identity-based permissions,
// inline and attached AWS-managed policies, evaluated on every call; they
// change with the role, and a deleted role allows nothing.
func TestAuthzRoleSession(t *testing.T) {
	e := startEmu(t, Options{})
	admin := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	arn := createRoleWith(t, e, "scoped", accountTrust, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["ec2:Describe*","ec2:CreateVpc","iam:GetRole"],"Resource":"*"},
		{"Effect":"Deny","Action":"ec2:DescribeSubnets","Resource":"*"}]}`)
	cfg := assumeRole(t, e, arn)
	c := ec2.NewFromConfig(cfg)
	if _, err := c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	const who = "User: arn:aws:sts::123456789012:assumed-role/scoped/test is not authorized to perform: "
	_, err := c.DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{})
	wantDenied(t, err, "UnauthorizedOperation", http.StatusForbidden, who+"ec2:DescribeSubnets with an explicit deny in an identity-based policy")
	_, err = c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String("g"), Description: aws.String("g")})
	wantDenied(t, err, "UnauthorizedOperation", http.StatusForbidden, who+"ec2:CreateSecurityGroup because no identity-based policy allows the ec2:CreateSecurityGroup action")
	// Tagging on create needs ec2:CreateTags as well.
	_, err = c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16"), TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("x")}}}}})
	wantDenied(t, err, "UnauthorizedOperation", http.StatusForbidden, who+"ec2:CreateTags")
	if _, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	// IAM answers with its own error for the same session.
	_, err = iam.NewFromConfig(cfg).ListRoles(ctx(t), &iam.ListRolesInput{})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, who+"iam:ListRoles because no identity-based policy allows")
	_, err = iam.NewFromConfig(cfg).GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("scoped")})
	if err != nil {
		t.Fatal(err)
	}

	// An AWS-managed policy attached later takes effect at once.
	if _, err := admin.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("scoped"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")}); err != nil {
		t.Fatal(err)
	}
	_, err = ssm.NewFromConfig(cfg).GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/aws/service/missing")})
	wantAPIError(t, err, "ParameterNotFound", 0, "") // allowed: the parameter is just not there
	_, err = ssm.NewFromConfig(cfg).PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String("/x"), Value: aws.String("v"), Type: "String"})
	wantDenied(t, err, "AccessDeniedException", http.StatusBadRequest, who+"ssm:PutParameter")

	// Without its role the session can do nothing (but ask who it is).
	for _, n := range []string{"p"} {
		if _, err := admin.DeleteRolePolicy(ctx(t), &iam.DeleteRolePolicyInput{RoleName: aws.String("scoped"), PolicyName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.DetachRolePolicy(ctx(t), &iam.DetachRolePolicyInput{RoleName: aws.String("scoped"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("scoped")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{})
	wantDenied(t, err, "UnauthorizedOperation", http.StatusForbidden, "because no identity-based policy allows")
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
}

// RunInstances with an instance profile needs iam:PassRole on its role.
func TestAuthzPassRole(t *testing.T) {
	e := startEmu(t, Options{})
	admin := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	createTestRole(t, admin, "instance", "/geusemaker/")
	if _, err := admin.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("instance")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddRoleToInstanceProfile(ctx(t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("instance"), RoleName: aws.String("instance")}); err != nil {
		t.Fatal(err)
	}
	arn := createRoleWith(t, e, "launcher", accountTrust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)
	c := ec2.NewFromConfig(assumeRole(t, e, arn))
	_, err := c.RunInstances(ctx(t), &ec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("instance")}})
	wantDenied(t, err, "UnauthorizedOperation", http.StatusForbidden, "iam:PassRole on resource: arn:aws:iam::123456789012:role/geusemaker/instance")
	// With PassRole for that role (to EC2 only) the launch reaches EC2.
	if _, err := admin.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String("launcher"), PolicyName: aws.String("pass"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/geusemaker/*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RunInstances(ctx(t), &ec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("instance")}})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "UnauthorizedOperation" {
		t.Fatalf("PassRole granted but still denied: %v", err)
	}
}

// An IAM user's access keys carry the user's policies; PowerUserAccess
// (NotAction iam:*) leaves IAM out.
func TestAuthzIAMUser(t *testing.T) {
	e := startEmu(t, Options{})
	admin := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	if _, err := admin.CreateUser(ctx(t), &iam.CreateUserInput{UserName: aws.String("ci"), Path: aws.String("/bots/")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx(t), &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sdkConfigWith(e, "us-east-1", credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::123456789012:user/bots/ci" {
		t.Fatalf("identity %v %v", id, err)
	}
	_, err = ec2.NewFromConfig(cfg).DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{})
	wantDenied(t, err, "UnauthorizedOperation", http.StatusForbidden, "user/bots/ci is not authorized to perform: ec2:DescribeVpcs because no identity-based policy allows")
	if _, err := admin.AttachUserPolicy(ctx(t), &iam.AttachUserPolicyInput{UserName: aws.String("ci"), PolicyArn: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = iam.NewFromConfig(cfg).ListUsers(ctx(t), &iam.ListUsersInput{})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, "iam:ListUsers")
	if _, err := iam.NewFromConfig(cfg).ListRoles(ctx(t), &iam.ListRolesInput{}); err != nil {
		t.Fatal(err) // PowerUserAccess grants iam:ListRoles explicitly
	}
	// The user cannot be deleted while it has keys and policies.
	_, err = admin.DeleteUser(ctx(t), &iam.DeleteUserInput{UserName: aws.String("ci")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "Cannot delete entity, must delete access keys first.")
	if _, err := admin.DeleteAccessKey(ctx(t), &iam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: key.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", http.StatusForbidden, "")
	if n := countInventory(e, "iam", "user"); n != 1 {
		t.Fatalf("users in inventory = %d", n)
	}
}

func countInventory(e *Emulator, service, typ string) int {
	n := 0
	for _, r := range e.Inventory() {
		if r.Service == service && r.Type == typ {
			n++
		}
	}
	return n
}

func simulate(t *testing.T, client *iam.Client, src string, actions []string, resources ...string) []iamtypes.EvaluationResult {
	t.Helper()
	out, err := client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(src), ActionNames: actions, ResourceArns: resources})
	if err != nil {
		t.Fatal(err)
	}
	return out.EvaluationResults
}

func decisions(results []iamtypes.EvaluationResult) string {
	var out []string
	for _, r := range results {
		out = append(out, aws.ToString(r.EvalActionName)+"="+string(r.EvalDecision))
	}
	return strings.Join(out, " ")
}

// SimulatePrincipalPolicy evaluates like the real calls: the default user is
// an administrator, the knob's denies are explicit denies, a role answers
// with its policies, and iam.deny of the simulation itself makes it fail.
func TestSimulatePrincipalPolicy(t *testing.T) {
	e := startEmu(t, Options{})
	client := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	const me = "arn:aws:iam::123456789012:user/emulator"
	actions := []string{"ec2:RunInstances", "elasticloadbalancing:CreateLoadBalancer", "iam:PassRole"}
	if got := decisions(simulate(t, client, me, actions)); got != "ec2:RunInstances=allowed elasticloadbalancing:CreateLoadBalancer=allowed iam:PassRole=allowed" {
		t.Fatalf("admin: %s", got)
	}
	e.SetKnob("iam.deny", "elasticloadbalancing:CreateLoadBalancer")
	res := simulate(t, client, me, actions)
	if got := decisions(res); got != "ec2:RunInstances=allowed elasticloadbalancing:CreateLoadBalancer=explicitDeny iam:PassRole=allowed" {
		t.Fatalf("with iam.deny: %s", got)
	}
	if d := res[1].OrganizationsDecisionDetail; d == nil || d.AllowedByOrganizations {
		t.Fatalf("organizations detail %+v", d)
	}
	// ... and the real call is denied the same way.
	env := elbv2.NewFromConfig(sdkConfig(e, "us-east-1"))
	_, err := env.CreateLoadBalancer(ctx(t), &elbv2.CreateLoadBalancerInput{Name: aws.String("lb")})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, "elasticloadbalancing:CreateLoadBalancer")

	// A role: matched statements, resources, NotResource, implicit deny.
	arn := createRoleWith(t, e, "deployer", accountTrust, `{"Version":"2012-10-17","Statement":[
		{"Sid":"Ec2","Effect":"Allow","Action":"ec2:*","Resource":"*"},
		{"Sid":"NotProd","Effect":"Deny","Action":"ec2:TerminateInstances","NotResource":"arn:aws:ec2:*:*:instance/i-dev*"}]}`)
	if _, err := client.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("deployer"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")}); err != nil {
		t.Fatal(err)
	}
	res = simulate(t, client, arn, []string{"ec2:RunInstances", "ssm:GetParameter", "ssmmessages:OpenDataChannel", "iam:CreateRole", "elasticloadbalancing:CreateLoadBalancer"})
	if got := decisions(res); got != "ec2:RunInstances=allowed ssm:GetParameter=allowed ssmmessages:OpenDataChannel=allowed iam:CreateRole=implicitDeny elasticloadbalancing:CreateLoadBalancer=explicitDeny" {
		t.Fatalf("role: %s", got)
	}
	if m := res[0].MatchedStatements; len(m) != 1 || aws.ToString(m[0].SourcePolicyId) != "p" || m[0].SourcePolicyType != iamtypes.PolicySourceTypeRole {
		t.Fatalf("matched %+v", m)
	}
	if m := res[1].MatchedStatements; len(m) != 1 || aws.ToString(m[0].SourcePolicyId) != "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" || m[0].SourcePolicyType != iamtypes.PolicySourceTypeAwsManaged {
		t.Fatalf("matched %+v", m)
	}
	res = simulate(t, client, arn, []string{"ec2:TerminateInstances"}, "arn:aws:ec2:us-east-1:123456789012:instance/i-dev1", "arn:aws:ec2:us-east-1:123456789012:instance/i-prod1")
	if len(res) != 1 || res[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny || len(res[0].ResourceSpecificResults) != 2 ||
		res[0].ResourceSpecificResults[0].EvalResourceDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed ||
		res[0].ResourceSpecificResults[1].EvalResourceDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny {
		t.Fatalf("per resource: %+v", res)
	}

	// Conditions: context entries, and the keys it lacked.
	createRoleWith(t, e, "regional", accountTrust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`)
	out, err := client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/regional"), ActionNames: []string{"ec2:RunInstances"}})
	if err != nil || out.EvaluationResults[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny || strings.Join(out.EvaluationResults[0].MissingContextValues, ",") != "aws:RequestedRegion" {
		t.Fatalf("without context: %+v %v", out, err)
	}
	out, err = client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/regional"), ActionNames: []string{"ec2:RunInstances"},
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:RequestedRegion"), ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{"eu-west-1"}}}})
	if err != nil || out.EvaluationResults[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || len(out.EvaluationResults[0].MissingContextValues) != 0 {
		t.Fatalf("with context: %+v %v", out, err)
	}

	// Pagination.
	page1, err := client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(arn), ActionNames: []string{"ec2:A", "ec2:B", "ec2:C"}, MaxItems: aws.Int32(2)})
	if err != nil || len(page1.EvaluationResults) != 2 || !page1.IsTruncated {
		t.Fatalf("page 1: %+v %v", page1, err)
	}
	page2, err := client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(arn), ActionNames: []string{"ec2:A", "ec2:B", "ec2:C"}, MaxItems: aws.Int32(2), Marker: page1.Marker})
	if err != nil || len(page2.EvaluationResults) != 1 || page2.IsTruncated || aws.ToString(page2.EvaluationResults[0].EvalActionName) != "ec2:C" {
		t.Fatalf("page 2: %+v %v", page2, err)
	}

	// Errors: unknown entities, a session ARN, a bad action name.
	_, err = client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/nope"), ActionNames: []string{"ec2:RunInstances"}})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
	_, err = client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/nobody"), ActionNames: []string{"ec2:RunInstances"}})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
	_, err = client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:sts::123456789012:assumed-role/deployer/s"), ActionNames: []string{"ec2:RunInstances"}})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")
	_, err = client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(arn), ActionNames: []string{"RunInstances"}})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")

	// Denying the simulation itself.
	e.SetKnob("iam.deny", "iam:SimulatePrincipalPolicy")
	_, err = client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(me), ActionNames: []string{"ec2:RunInstances"}})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, "iam:SimulatePrincipalPolicy on resource: "+me+" with an explicit deny in a service control policy")
}

// A role session may simulate its own role's policies only if its role
// allows iam:SimulatePrincipalPolicy.
func TestSimulatePrincipalPolicyAsRoleSession(t *testing.T) {
	e := startEmu(t, Options{})
	arn := createRoleWith(t, e, "tfc", accountTrust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`)
	client := iam.NewFromConfig(assumeRole(t, e, arn))
	_, err := client.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(arn), ActionNames: []string{"ec2:DescribeVpcs"}})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, "iam:SimulatePrincipalPolicy on resource: "+arn+" because no identity-based policy allows")
	admin := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	if _, err := admin.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("tfc"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	if got := decisions(simulate(t, client, arn, []string{"ec2:DescribeVpcs", "ec2:RunInstances"})); got != "ec2:DescribeVpcs=allowed ec2:RunInstances=implicitDeny" {
		t.Fatalf("self simulation: %s", got)
	}
}

// The IAM action prefix is the signing name but for the exceptions, so that
// services added later (Route 53, Service Quotas) are authorized as they are
// registered.
func TestIAMActionPrefix(t *testing.T) {
	for name, want := range map[string]string{
		"ec2": "ec2", "elasticloadbalancing": "elasticloadbalancing", "elasticfilesystem": "elasticfilesystem",
		"route53": "route53", "servicequotas": "servicequotas", "ssm": "ssm", "tagging": "tag", "monitoring": "cloudwatch",
	} {
		if got := IAMActionPrefix(name); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	e := New(Options{})
	e.WithLock(func() {
		registryMu.Lock()
		def := registry["cloudfront"]
		registryMu.Unlock()
		checks := e.authzChecks(&Call{Emu: e, Caller: Principal{Account: AccountID}}, def, "CreateDistributionWithTags", reflect.ValueOf(&cloudfront.CreateDistributionWithTagsInput{}))
		if len(checks) != 2 || checks[0].Action != "cloudfront:CreateDistribution" || checks[1].Action != "cloudfront:TagResource" {
			t.Fatalf("checks %+v", checks)
		}
		registryMu.Lock()
		def = registry["sts"]
		registryMu.Unlock()
		if checks := e.authzChecks(&Call{Emu: e}, def, "GetCallerIdentity", reflect.ValueOf(&sts.GetCallerIdentityInput{})); len(checks) != 0 {
			t.Fatalf("GetCallerIdentity checks %+v", checks)
		}
	})
}
