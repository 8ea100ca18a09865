package awsemu

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// IAM's account quotas come from the quota table (quota.<code> overrides
// AWS's default) and fail with LimitExceeded 409 naming IAM's quota; policy
// sizes are counted without white space.
func TestIAMQuotas(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{
		"quota.L-FE177D64": "2", // roles per account
		"quota.L-6E65F664": "1", // instance profiles per account
		"quota.L-0DA4ABF3": "1", // managed policies per role
		"quota.L-F55AF5E4": "1", // users per account
	}})
	client := iamClient(t, e)
	createTestRole(t, client, "one", "")
	createTestRole(t, client, "two", "")
	_, err := client.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String("three"), AssumeRolePolicyDocument: aws.String(testTrustPolicy)})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for RolesPerAccount: 2")

	if _, err := client.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("p1")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("p2")})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for InstanceProfilesPerAccount: 1")

	if _, err := client.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("one"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.AttachRolePolicy(ctx(t), &iam.AttachRolePolicyInput{RoleName: aws.String("one"), PolicyArn: aws.String("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy")})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for PoliciesPerRole: 1")

	if _, err := client.CreateUser(ctx(t), &iam.CreateUserInput{UserName: aws.String("u1")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateUser(ctx(t), &iam.CreateUserInput{UserName: aws.String("u2")})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for UsersPerAccount: 1")

	// Inline policies of a role: 10,240 characters together, white space
	// not counted.
	stmt := `{"Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"*"}`
	doc := func(n int, pad string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = stmt
		}
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(parts, ","+pad) + `]}`
	}
	big := doc(150, strings.Repeat(" ", 80)) // ~9,400 characters without spaces, ~21,000 with
	if nonWhitespaceLen(big) > 10240 || len(big) <= 10240 {
		t.Fatalf("test document sizes: %d / %d", nonWhitespaceLen(big), len(big))
	}
	if _, err := client.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String("two"), PolicyName: aws.String("big"), PolicyDocument: aws.String(big)}); err != nil {
		t.Fatal(err)
	}
	_, err = client.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String("two"), PolicyName: aws.String("more"), PolicyDocument: aws.String(doc(20, ""))})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Maximum policy size of 10240 bytes exceeded for role two")

	// The trust policy length quota.
	e.SetKnob("quota.L-C07B4B0D", "100")
	_, err = client.UpdateAssumeRolePolicy(ctx(t), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("one"), PolicyDocument: aws.String(testTrustPolicy)})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for ACLSizePerRole: 100")
}
