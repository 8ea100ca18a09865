package awsemu

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// A tag value EC2 takes (any characters) is refused by IAM, EFS and SSM,
// whose tags allow only letters, digits, spaces and _ . : / = + - @; the
// same value without the odd characters passes everywhere.
func TestTagCharactersOutsideEC2(t *testing.T) {
	e := startEmu(t, Options{})
	cfg := sdkConfig(e, "us-east-1")
	for i, tc := range []struct {
		key, value string
		ok         bool
	}{
		{"team", "ai & ml", false},
		{"cost", "$100", false},
		{"owners", "ann, bob", false},
		{"team name", "ai ml_2 team:x/y=z+1-a@b.c", true},
		{"équipe", "données", true},
	} {
		if _, err := ec2.NewFromConfig(cfg).CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16"),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String(tc.key), Value: aws.String(tc.value)}}}}}); err != nil {
			t.Fatalf("EC2 refused %q=%q: %v", tc.key, tc.value, err)
		}
		_, err := iam.NewFromConfig(cfg).CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("r-%d", i)), AssumeRolePolicyDocument: aws.String(testTrustPolicy),
			Tags: []iamtypes.Tag{{Key: aws.String(tc.key), Value: aws.String(tc.value)}}})
		check(t, "IAM CreateRole", tc.value, tc.ok, err, "ValidationError", "regular expression pattern")
		_, err = efs.NewFromConfig(cfg).CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String(fmt.Sprintf("t-%d", i)), Encrypted: aws.Bool(true),
			Tags: []efstypes.Tag{{Key: aws.String(tc.key), Value: aws.String(tc.value)}}})
		check(t, "EFS CreateFileSystem", tc.value, tc.ok, err, "BadRequest", "invalid characters")
		_, err = ssm.NewFromConfig(cfg).PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String(fmt.Sprintf("/t/%d", i)), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString,
			Tags: []ssmtypes.Tag{{Key: aws.String(tc.key), Value: aws.String(tc.value)}}})
		check(t, "SSM PutParameter", tc.value, tc.ok, err, "ValidationException", "regular expression pattern")
	}
}

func check(t *testing.T, call, value string, ok bool, err error, code, msg string) {
	t.Helper()
	if ok {
		if err != nil {
			t.Fatalf("%s refused %q: %v", call, value, err)
		}
		return
	}
	wantCode(t, err, code, msg)
}
