package awsemu

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const testTrustPolicy = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`

const testInlinePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["elasticfilesystem:ClientMount"],"Resource":"*"}]}`

func iamClient(t *testing.T, e *Emulator) *iam.Client {
	return iam.NewFromConfig(sdkConfig(e, "us-east-1"))
}

// wantAPIError asserts the AWS error code, the HTTP status and (if given) a
// message fragment.
func wantAPIError(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if status != 0 {
		var re *smithyhttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() != status {
			t.Fatalf("%s: status = %v, want %d", code, err, status)
		}
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("message = %q, want %q", ae.ErrorMessage(), msg)
	}
}

func createTestRole(t *testing.T, client *iam.Client, name, path string) *iamtypes.Role {
	t.Helper()
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(testTrustPolicy)}
	if path != "" {
		in.Path = aws.String(path)
	}
	out, err := client.CreateRole(ctx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	return out.Role
}

func TestIAMRoleLifecycle(t *testing.T) {
	e := startEmu(t, Options{})
	client := iamClient(t, e)
	out, err := client.CreateRole(ctx(t), &iam.CreateRoleInput{
		RoleName: aws.String("demo-role"), Path: aws.String("/geusemaker/"), AssumeRolePolicyDocument: aws.String(testTrustPolicy),
		Description: aws.String("instance role"), MaxSessionDuration: aws.Int32(7200),
		Tags: []iamtypes.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::123456789012:role/geusemaker/demo-role" || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") || len(aws.ToString(r.RoleId)) != 21 {
		t.Fatalf("role = %+v", r)
	}
	if r.CreateDate == nil || aws.ToInt32(r.MaxSessionDuration) != 7200 || aws.ToString(r.Description) != "instance role" {
		t.Fatalf("role = %+v", r)
	}

	got, err := client.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("demo-role")})
	if err != nil {
		t.Fatal(err)
	}
	// IAM returns the document URL-encoded (RFC 3986), as submitted.
	enc := aws.ToString(got.Role.AssumeRolePolicyDocument)
	if !strings.HasPrefix(enc, "%7B%22Version%22%3A%20%222012-10-17%22") {
		t.Fatalf("document not URL-encoded as IAM does: %s", enc)
	}
	if dec, err := url.QueryUnescape(enc); err != nil || dec != testTrustPolicy {
		t.Fatalf("decoded = %q, %v", dec, err)
	}
	if len(got.Role.Tags) != 1 || aws.ToString(got.Role.Tags[0].Key) != "geusemaker:deployment" {
		t.Fatalf("tags = %+v", got.Role.Tags)
	}

	// Names are unique regardless of case.
	_, err = client.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String("DEMO-ROLE"), AssumeRolePolicyDocument: aws.String(testTrustPolicy)})
	wantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "Role with name DEMO-ROLE already exists.")
	var exists *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("not the modelled type: %T", err)
	}

	newDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","ssm.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	if _, err := client.UpdateAssumeRolePolicy(ctx(t), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("demo-role"), PolicyDocument: aws.String(newDoc)}); err != nil {
		t.Fatal(err)
	}
	got, _ = client.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("demo-role")})
	if dec, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument)); dec != newDoc {
		t.Fatalf("trust policy not updated: %s", dec)
	}
	_, err = client.UpdateAssumeRolePolicy(ctx(t), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("demo-role"), PolicyDocument: aws.String(`{"Statement":[`)})
	wantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, "This policy contains invalid Json")

	if inv := e.Inventory(); len(inv) != 1 || inv[0].Type != "role" || inv[0].ID != "demo-role" || inv[0].Tags["geusemaker:deployment"] != "demo" {
		t.Fatalf("inventory = %+v", inv)
	}
	if _, err := client.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("demo-role")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("demo-role")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "The role with name demo-role cannot be found.")
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("not the modelled type: %T", err)
	}
	_, err = client.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("demo-role")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %+v", inv)
	}
}

func TestIAMRoleValidation(t *testing.T) {
	e := startEmu(t, Options{})
	client := iamClient(t, e)
	manyTags := make([]iamtypes.Tag, 51)
	for i := range manyTags {
		manyTags[i] = iamtypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	for _, tc := range []struct {
		name   string
		in     iam.CreateRoleInput
		code   string
		status int
		msg    string
	}{
		{"bad name", iam.CreateRoleInput{RoleName: aws.String("a b"), AssumeRolePolicyDocument: aws.String(testTrustPolicy)}, "ValidationError", 400, ""},
		{"long name", iam.CreateRoleInput{RoleName: aws.String(strings.Repeat("r", 65)), AssumeRolePolicyDocument: aws.String(testTrustPolicy)}, "ValidationError", 400, ""},
		{"bad path", iam.CreateRoleInput{RoleName: aws.String("r"), Path: aws.String("nopath"), AssumeRolePolicyDocument: aws.String(testTrustPolicy)}, "ValidationError", 400, ""},
		{"short session", iam.CreateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(60), AssumeRolePolicyDocument: aws.String(testTrustPolicy)}, "ValidationError", 400,
			"1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{"long session", iam.CreateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(43201), AssumeRolePolicyDocument: aws.String(testTrustPolicy)}, "ValidationError", 400, ""},
		{"not json", iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String("{nope")}, "MalformedPolicyDocument", 400, "This policy contains invalid Json"},
		{"resource in trust", iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`)}, "MalformedPolicyDocument", 400, "Has prohibited field Resource"},
		{"no principal", iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)}, "MalformedPolicyDocument", 400, "Missing required field Principal"},
		{"bad version", iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`)}, "MalformedPolicyDocument", 400, ""},
		{"too many tags", iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(testTrustPolicy), Tags: manyTags}, "LimitExceeded", 409, "Cannot exceed quota for TagsPerRole: 50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := client.CreateRole(ctx(t), &in)
			wantAPIError(t, err, tc.code, tc.status, tc.msg)
		})
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("a rejected role was created: %+v", inv)
	}
}

func TestIAMListRolesPaging(t *testing.T) {
	e := startEmu(t, Options{})
	client := iamClient(t, e)
	for i := 0; i < 5; i++ {
		createTestRole(t, client, fmt.Sprintf("gm-%d", i), "/geusemaker/")
	}
	createTestRole(t, client, "other", "")
	var names []string
	var marker *string
	pages := 0
	for {
		out, err := client.ListRoles(ctx(t), &iam.ListRolesInput{PathPrefix: aws.String("/geusemaker/"), MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
			if r.Tags != nil || r.AssumeRolePolicyDocument == nil {
				t.Fatalf("listing shape: %+v", r)
			}
		}
		if !out.IsTruncated {
			if out.Marker != nil {
				t.Fatal("marker without truncation")
			}
			break
		}
		marker = out.Marker
	}
	if pages != 3 || strings.Join(names, ",") != "gm-0,gm-1,gm-2,gm-3,gm-4" {
		t.Fatalf("pages=%d names=%v", pages, names)
	}
	all, err := client.ListRoles(ctx(t), &iam.ListRolesInput{})
	if err != nil || len(all.Roles) != 6 || all.IsTruncated {
		t.Fatalf("all roles: %v %v", len(all.Roles), err)
	}
	// The SDK paginator walks the same pages.
	p := iam.NewListRolesPaginator(client, &iam.ListRolesInput{MaxItems: aws.Int32(4)})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Roles)
	}
	if n != 6 {
		t.Fatalf("paginator saw %d roles", n)
	}
	_, err = client.ListRoles(ctx(t), &iam.ListRolesInput{MaxItems: aws.Int32(0)})
	wantAPIError(t, err, "ValidationError", 400, "")
	_, err = client.ListRoles(ctx(t), &iam.ListRolesInput{Marker: aws.String("garbage")})
	wantAPIError(t, err, "ValidationError", 400, "")
}

func TestIAMRoleTags(t *testing.T) {
	e := startEmu(t, Options{})
	client := iamClient(t, e)
	createTestRole(t, client, "tagged", "")
	if _, err := client.TagRole(ctx(t), &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: []iamtypes.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.TagRole(ctx(t), &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("one")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UntagRole(ctx(t), &iam.UntagRoleInput{RoleName: aws.String("tagged"), TagKeys: []string{"b", "absent"}}); err != nil {
		t.Fatal(err)
	}
	out, err := client.ListRoleTags(ctx(t), &iam.ListRoleTagsInput{RoleName: aws.String("tagged")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "a" || aws.ToString(out.Tags[0].Value) != "one" {
		t.Fatalf("tags = %+v", out.Tags)
	}
	_, err = client.TagRole(ctx(t), &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}})
	wantAPIError(t, err, "InvalidInput", 400, "")
	_, err = client.TagRole(ctx(t), &iam.TagRoleInput{RoleName: aws.String("missing"), Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	wantAPIError(t, err, "NoSuchEntity", 404, "")
}

func TestIAMInlinePolicies(t *testing.T) {
	e := startEmu(t, Options{})
	client := iamClient(t, e)
	createTestRole(t, client, "inline", "")
	if _, err := client.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String("inline"), PolicyName: aws.String("efs"), PolicyDocument: aws.String(testInlinePolicy)}); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetRolePolicy(ctx(t), &iam.GetRolePolicyInput{RoleName: aws.String("inline"), PolicyName: aws.String("efs")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(aws.ToString(got.PolicyDocument), "{") {
		t.Fatalf("document not URL-encoded: %s", aws.ToString(got.PolicyDocument))
	}
	if dec, _ := url.QueryUnescape(aws.ToString(got.PolicyDocument)); dec != testInlinePolicy || aws.ToString(got.RoleName) != "inline" {
		t.Fatalf("policy = %+v (%s)", got, dec)
	}
	list, err := client.ListRolePolicies(ctx(t), &iam.ListRolePoliciesInput{RoleName: aws.String("inline")})
	if err != nil || len(list.PolicyNames) != 1 || list.PolicyNames[0] != "efs" {
		t.Fatalf("list = %+v %v", list, err)
	}
	_, err = client.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String("inline"), PolicyName: aws.String("bad"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)})
	wantAPIError(t, err, "MalformedPolicyDocument", 400, "Policy document should not specify a principal.")
	_, err = client.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String("inline"), PolicyName: aws.String("bad"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`)})
	wantAPIError(t, err, "MalformedPolicyDocument", 400, "Policy statement must contain resources.")
	_, err = client.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String("nope"), PolicyName: aws.String("x"), PolicyDocument: aws.String(testInlinePolicy)})
	wantAPIError(t, err, "NoSuchEntity", 404, "The role with name nope cannot be found.")

	_, err = client.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("inline")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "Cannot delete entity, must delete policies first.")

	if _, err := client.DeleteRolePolicy(ctx(t), &iam.DeleteRolePolicyInput{RoleName: aws.String("inline"), PolicyName: aws.String("efs")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.GetRolePolicy(ctx(t), &iam.GetRolePolicyInput{RoleName: aws.String("inline"), PolicyName: aws.String("efs")})
	wantAPIError(t, err, "NoSuchEntity", 404, "The role policy with name efs cannot be found.")
	_, err = client.DeleteRolePolicy(ctx(t), &iam.DeleteRolePolicyInput{RoleName: aws.String("inline"), PolicyName: aws.String("efs")})
	wantAPIError(t, err, "NoSuchEntity", 404, "")
	if _, err := client.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("inline")}); err != nil {
		t.Fatal(err)
	}
}

func TestIAMManagedPolicies(t *testing.T) {
	e := startEmu(t, Options{})
	client := iamClient(t, e)
	for _, name := range []string{"AmazonSSMManagedInstanceCore", "AmazonEC2ContainerRegistryReadOnly", "CloudWatchAgentServerPolicy", "AmazonElasticFileSystemClientReadWriteAccess"} {
		arn := "arn:aws:iam::aws:policy/" + name
		out, err := client.GetPolicy(ctx(t), &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		p := out.Policy
		if aws.ToString(p.PolicyName) != name || aws.ToString(p.Arn) != arn || !p.IsAttachable || !strings.HasPrefix(aws.ToString(p.DefaultVersionId), "v") || !strings.HasPrefix(aws.ToString(p.PolicyId), "ANPA") {
			t.Fatalf("policy = %+v", p)
		}
		v, err := client.GetPolicyVersion(ctx(t), &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.DefaultVersionId})
		if err != nil {
			t.Fatal(err)
		}
		if doc, _ := url.QueryUnescape(aws.ToString(v.PolicyVersion.Document)); iamValidatePolicy(doc, false) != nil || !v.PolicyVersion.IsDefaultVersion {
			t.Fatalf("%s document %q", name, doc)
		}
	}
	_, err := client.GetPolicy(ctx(t), &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	wantAPIError(t, err, "NoSuchEntity", 404, "")

	createTestRole(t, client, "managed", "")
	_, err = client.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("managed"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	wantAPIError(t, err, "NoSuchEntity", 404, "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.")

	var attached []string
	for _, p := range iamManagedPolicies[:10] {
		if _, err := client.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("managed"), PolicyArn: aws.String(p.arn())}); err != nil {
			t.Fatal(err)
		}
		attached = append(attached, p.arn())
	}
	_, err = client.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("managed"), PolicyArn: aws.String(iamManagedPolicies[10].arn())})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for PoliciesPerRole: 10")

	out, err := client.GetPolicy(ctx(t), &iam.GetPolicyInput{PolicyArn: aws.String(attached[0])})
	if err != nil || aws.ToInt32(out.Policy.AttachmentCount) != 1 {
		t.Fatalf("attachment count: %+v %v", out, err)
	}
	list, err := client.ListAttachedRolePolicies(ctx(t), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("managed"), MaxItems: aws.Int32(6)})
	if err != nil || len(list.AttachedPolicies) != 6 || !list.IsTruncated || aws.ToString(list.AttachedPolicies[0].PolicyName) != "AmazonSSMManagedInstanceCore" {
		t.Fatalf("list = %+v %v", list, err)
	}
	_, err = client.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("managed")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "Cannot delete entity, must detach all policies first.")
	for _, arn := range attached {
		if _, err := client.DetachRolePolicy(ctx(t), &iam.DetachRolePolicyInput{RoleName: aws.String("managed"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = client.DetachRolePolicy(ctx(t), &iam.DetachRolePolicyInput{RoleName: aws.String("managed"), PolicyArn: aws.String(attached[0])})
	wantAPIError(t, err, "NoSuchEntity", 404, "")
	if _, err := client.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("managed")}); err != nil {
		t.Fatal(err)
	}
}

func TestIAMInstanceProfiles(t *testing.T) {
	e := startEmu(t, Options{})
	client := iamClient(t, e)
	createTestRole(t, client, "app-role", "")
	createTestRole(t, client, "other-role", "")
	out, err := client.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("app-profile"), Path: aws.String("/gm/"),
		Tags: []iamtypes.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}}})
	if err != nil {
		t.Fatal(err)
	}
	p := out.InstanceProfile
	if aws.ToString(p.Arn) != "arn:aws:iam::123456789012:instance-profile/gm/app-profile" || !strings.HasPrefix(aws.ToString(p.InstanceProfileId), "AIPA") || len(p.Roles) != 0 {
		t.Fatalf("profile = %+v", p)
	}
	_, err = client.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("app-profile")})
	wantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "Instance Profile app-profile already exists.")
	_, err = client.GetInstanceProfile(ctx(t), &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("nope")})
	wantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "Instance Profile nope cannot be found.")

	if _, err := client.AddRoleToInstanceProfile(ctx(t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("app-profile"), RoleName: aws.String("app-role")}); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"other-role", "app-role"} {
		_, err = client.AddRoleToInstanceProfile(ctx(t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("app-profile"), RoleName: aws.String(role)})
		wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	}
	got, err := client.GetInstanceProfile(ctx(t), &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("app-profile")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.InstanceProfile.Roles) != 1 || aws.ToString(got.InstanceProfile.Roles[0].RoleName) != "app-role" || len(got.InstanceProfile.Tags) != 1 {
		t.Fatalf("profile = %+v", got.InstanceProfile)
	}
	forRole, err := client.ListInstanceProfilesForRole(ctx(t), &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("app-role")})
	if err != nil || len(forRole.InstanceProfiles) != 1 || aws.ToString(forRole.InstanceProfiles[0].InstanceProfileName) != "app-profile" {
		t.Fatalf("for role = %+v %v", forRole, err)
	}

	_, err = client.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("app-role")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "Cannot delete entity, must remove roles from instance profile first.")
	_, err = client.DeleteInstanceProfile(ctx(t), &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("app-profile")})
	wantAPIError(t, err, "DeleteConflict", http.StatusConflict, "Cannot delete entity, must remove roles from instance profile first.")

	// Tags.
	if _, err := client.TagInstanceProfile(ctx(t), &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("app-profile"), Tags: []iamtypes.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UntagInstanceProfile(ctx(t), &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String("app-profile"), TagKeys: []string{"geusemaker:deployment"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := client.ListInstanceProfileTags(ctx(t), &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("app-profile")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "x" {
		t.Fatalf("tags = %+v %v", tags, err)
	}

	// Listing with a path prefix and pages.
	for i := 0; i < 3; i++ {
		if _, err := client.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(fmt.Sprintf("extra-%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	gm, err := client.ListInstanceProfiles(ctx(t), &iam.ListInstanceProfilesInput{PathPrefix: aws.String("/gm/")})
	if err != nil || len(gm.InstanceProfiles) != 1 || len(gm.InstanceProfiles[0].Roles) != 1 {
		t.Fatalf("gm = %+v %v", gm, err)
	}
	page1, err := client.ListInstanceProfiles(ctx(t), &iam.ListInstanceProfilesInput{MaxItems: aws.Int32(3)})
	if err != nil || len(page1.InstanceProfiles) != 3 || !page1.IsTruncated {
		t.Fatalf("page1 = %+v %v", page1, err)
	}
	page2, err := client.ListInstanceProfiles(ctx(t), &iam.ListInstanceProfilesInput{MaxItems: aws.Int32(3), Marker: page1.Marker})
	if err != nil || len(page2.InstanceProfiles) != 1 || page2.IsTruncated {
		t.Fatalf("page2 = %+v %v", page2, err)
	}
	if inv := e.Inventory(); len(inv) != 6 {
		t.Fatalf("inventory = %+v", inv)
	}

	_, err = client.RemoveRoleFromInstanceProfile(ctx(t), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("app-profile"), RoleName: aws.String("other-role")})
	wantAPIError(t, err, "NoSuchEntity", 404, "")
	if _, err := client.RemoveRoleFromInstanceProfile(ctx(t), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("app-profile"), RoleName: aws.String("app-role")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteInstanceProfile(ctx(t), &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("app-profile")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("app-role")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteInstanceProfile(ctx(t), &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("app-profile")})
	wantAPIError(t, err, "NoSuchEntity", 404, "")
}

// resolveProfile asks IAM what EC2 RunInstances would see right now.
func resolveProfile(e *Emulator, nameOrARN string) (arn, id string, err *APIError) {
	e.WithLock(func() {
		c := &Call{Emu: e, Service: "ec2", Operation: "RunInstances", Region: "us-east-1", now: e.Now(), record: &CallRecord{}}
		arn, id, err = PeerOf[InstanceProfiles](e, "iam", "us-east-1").ResolveInstanceProfile(c, nameOrARN)
	})
	return
}

func TestIAMInstanceProfilePropagation(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := iamClient(t, e)
	createTestRole(t, client, "role", "")
	out, err := client.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("prof")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.InstanceProfile.Arn)
	if _, err := client.AddRoleToInstanceProfile(ctx(t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("prof"), RoleName: aws.String("role")}); err != nil {
		t.Fatal(err)
	}
	// Not yet visible to EC2, by name or by ARN.
	if _, _, err := resolveProfile(e, "prof"); err == nil || err.Code != "InvalidParameterValue" ||
		err.Message != "Value (prof) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name" {
		t.Fatalf("fresh profile by name: %v", err)
	}
	if _, _, err := resolveProfile(e, arn); err == nil || err.Message != "Value ("+arn+") for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN" {
		t.Fatalf("fresh profile by ARN: %v", err)
	}
	e.Clock().Advance(8 * time.Second)
	gotARN, id, apiErr := resolveProfile(e, "prof")
	if apiErr != nil || gotARN != arn || id != aws.ToString(out.InstanceProfile.InstanceProfileId) {
		t.Fatalf("propagated: %s %s %v", gotARN, id, apiErr)
	}
	if _, _, apiErr := resolveProfile(e, arn); apiErr != nil {
		t.Fatalf("by ARN: %v", apiErr)
	}
	if _, _, apiErr := resolveProfile(e, "arn:aws:iam::123456789012:instance-profile/other/prof"); apiErr == nil {
		t.Fatal("an ARN with the wrong path resolved")
	}

	// Removing the role propagates too: first still usable, then roleless.
	if _, err := client.RemoveRoleFromInstanceProfile(ctx(t), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("prof"), RoleName: aws.String("role")}); err != nil {
		t.Fatal(err)
	}
	if _, _, apiErr := resolveProfile(e, "prof"); apiErr != nil {
		t.Fatalf("removal visible before propagation: %v", apiErr)
	}
	e.Clock().Advance(9 * time.Second)
	if _, _, apiErr := resolveProfile(e, "prof"); apiErr == nil || apiErr.Code != "InvalidParameterValue" ||
		apiErr.Message != `IAM Instance Profile "`+arn+`" has no associated IAM Roles` {
		t.Fatalf("roleless: %v", apiErr)
	}

	if _, err := client.DeleteInstanceProfile(ctx(t), &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("prof")}); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(9 * time.Second)
	if _, _, apiErr := resolveProfile(e, "prof"); apiErr == nil || !strings.Contains(apiErr.Message, "Invalid IAM Instance Profile name") {
		t.Fatalf("deleted: %v", apiErr)
	}
	if _, _, apiErr := resolveProfile(e, "never-existed"); apiErr == nil {
		t.Fatal("unknown profile resolved")
	}
}

func TestIAMPropagationKnob(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"iam.propagation": "never"}})
	client := iamClient(t, e)
	createTestRole(t, client, "role", "")
	if _, err := client.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("prof")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AddRoleToInstanceProfile(ctx(t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("prof"), RoleName: aws.String("role")}); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(24 * time.Hour)
	if _, _, apiErr := resolveProfile(e, "prof"); apiErr == nil {
		t.Fatal("never-propagating profile resolved")
	}
	e.SetKnob("iam.propagation", "0s")
	if _, _, apiErr := resolveProfile(e, "prof"); apiErr != nil {
		t.Fatalf("instant propagation: %v", apiErr)
	}
}
