package awsemu

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

const ubuntuParam = "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id"

func TestSSMPublicAMIParameters(t *testing.T) {
	e := startEmu(t, Options{})
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		client := ssm.NewFromConfig(sdkConfig(e, region))
		for _, ami := range AMIsOf(region) {
			out, err := client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String(ami.SSMParameter)})
			if err != nil {
				t.Fatal(err)
			}
			p := out.Parameter
			if aws.ToString(p.Value) != ami.ID || p.Type != ssmtypes.ParameterTypeString || aws.ToString(p.DataType) != "aws:ec2:image" {
				t.Fatalf("%s: %+v", ami.SSMParameter, p)
			}
			if aws.ToString(p.ARN) != "arn:aws:ssm:"+region+"::parameter"+ami.SSMParameter || p.Version < 1 || p.LastModifiedDate == nil {
				t.Fatalf("%s: arn=%s version=%d", ami.SSMParameter, aws.ToString(p.ARN), p.Version)
			}
		}
	}
	client := ssm.NewFromConfig(sdkConfig(e, "us-east-1"))
	_, err := client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/aws/service/nothing/here")})
	var nf *ssmtypes.ParameterNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("want ParameterNotFound, got %v", err)
	}
	wantAPIError(t, err, "ParameterNotFound", 400, "")

	gpu := AMIsOf("us-east-1")[2]
	out, err := client.GetParameters(ctx(t), &ssm.GetParametersInput{Names: []string{ubuntuParam, "/aws/service/missing", gpu.SSMParameter}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Parameters) != 2 || len(out.InvalidParameters) != 1 || out.InvalidParameters[0] != "/aws/service/missing" {
		t.Fatalf("out = %+v", out)
	}
	if aws.ToString(out.Parameters[1].Value) != gpu.ID {
		t.Fatalf("gpu parameter = %+v", out.Parameters[1])
	}
	_, err = client.GetParameters(ctx(t), &ssm.GetParametersInput{Names: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")})
	wantAPIError(t, err, "ValidationException", 400, "")

	// Browsing the public hierarchy by path.
	byPath, err := client.GetParametersByPath(ctx(t), &ssm.GetParametersByPathInput{Path: aws.String("/aws/service/deeplearning"), Recursive: aws.Bool(true)})
	if err != nil || len(byPath.Parameters) != 2 {
		t.Fatalf("by path = %+v %v", byPath, err)
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("fixtures in the inventory: %+v", inv)
	}
}

func TestSSMUserParameters(t *testing.T) {
	e := startEmu(t, Options{})
	client := ssm.NewFromConfig(sdkConfig(e, "us-west-2"))
	put, err := client.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String("/gm/demo/db"), Value: aws.String("s3cret"), Type: ssmtypes.ParameterTypeSecureString,
		Tags: []ssmtypes.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}}})
	if err != nil || put.Version != 1 || put.Tier != ssmtypes.ParameterTierStandard {
		t.Fatalf("put = %+v %v", put, err)
	}
	_, err = client.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String("/gm/demo/db"), Value: aws.String("x"), Type: ssmtypes.ParameterTypeSecureString})
	var exists *ssmtypes.ParameterAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("want ParameterAlreadyExists, got %v", err)
	}
	wantAPIError(t, err, "ParameterAlreadyExists", 400, "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	put, err = client.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String("/gm/demo/db"), Value: aws.String("n3w"), Overwrite: aws.Bool(true)})
	if err != nil || put.Version != 2 {
		t.Fatalf("overwrite = %+v %v", put, err)
	}

	enc, err := client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/gm/demo/db")})
	if err != nil || aws.ToString(enc.Parameter.Value) == "n3w" || enc.Parameter.Type != ssmtypes.ParameterTypeSecureString {
		t.Fatalf("secure string leaked without decryption: %+v %v", enc, err)
	}
	dec, err := client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/gm/demo/db"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(dec.Parameter.Value) != "n3w" || dec.Parameter.Version != 2 || aws.ToString(dec.Parameter.ARN) != "arn:aws:ssm:us-west-2:123456789012:parameter/gm/demo/db" {
		t.Fatalf("decrypted = %+v %v", dec.Parameter, err)
	}
	old, err := client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/gm/demo/db:1"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(old.Parameter.Value) != "s3cret" || aws.ToString(old.Parameter.Selector) != ":1" {
		t.Fatalf("version selector = %+v %v", old, err)
	}
	_, err = client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/gm/demo/db:7")})
	wantAPIError(t, err, "ParameterVersionNotFound", 400, "")

	for i := 0; i < 12; i++ {
		name := fmt.Sprintf("/gm/demo/cfg/k%02d", i)
		if _, err := client.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}); err != nil {
			t.Fatal(err)
		}
	}
	flat, err := client.GetParametersByPath(ctx(t), &ssm.GetParametersByPathInput{Path: aws.String("/gm/demo")})
	if err != nil || len(flat.Parameters) != 1 || aws.ToString(flat.Parameters[0].Name) != "/gm/demo/db" || flat.NextToken != nil {
		t.Fatalf("non-recursive = %+v %v", flat, err)
	}
	var names []string
	p := ssm.NewGetParametersByPathPaginator(client, &ssm.GetParametersByPathInput{Path: aws.String("/gm/"), Recursive: aws.Bool(true), MaxResults: aws.Int32(5)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, prm := range page.Parameters {
			names = append(names, aws.ToString(prm.Name))
		}
	}
	if len(names) != 13 || pages != 3 {
		t.Fatalf("recursive: %d names in %d pages", len(names), pages)
	}
	_, err = client.GetParametersByPath(ctx(t), &ssm.GetParametersByPathInput{Path: aws.String("/gm"), MaxResults: aws.Int32(11)})
	wantAPIError(t, err, "ValidationException", 400, "")

	if inv := e.Inventory(); len(inv) != 13 || inv[0].ID != "/gm/demo/cfg/k00" {
		t.Fatalf("inventory = %+v", inv)
	}
	if _, err := client.DeleteParameter(ctx(t), &ssm.DeleteParameterInput{Name: aws.String("/gm/demo/db")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteParameter(ctx(t), &ssm.DeleteParameterInput{Name: aws.String("/gm/demo/db")})
	wantAPIError(t, err, "ParameterNotFound", 400, "")
	_, err = client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/gm/demo/db")})
	wantAPIError(t, err, "ParameterNotFound", 400, "")
	// Regions are separate.
	_, err = ssm.NewFromConfig(sdkConfig(e, "us-east-1")).GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/gm/demo/cfg/k00")})
	wantAPIError(t, err, "ParameterNotFound", 400, "")
}

func TestSSMPutParameterValidation(t *testing.T) {
	e := startEmu(t, Options{})
	client := ssm.NewFromConfig(sdkConfig(e, "us-east-1"))
	for _, tc := range []struct {
		name string
		in   ssm.PutParameterInput
	}{
		{"reserved aws prefix", ssm.PutParameterInput{Name: aws.String("/aws/service/mine"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}},
		{"reserved ssm prefix", ssm.PutParameterInput{Name: aws.String("ssm-thing"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}},
		{"no type", ssm.PutParameterInput{Name: aws.String("/x"), Value: aws.String("v")}},
		{"bad characters", ssm.PutParameterInput{Name: aws.String("/x y"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}},
		{"too long", ssm.PutParameterInput{Name: aws.String("/x"), Value: aws.String(strings.Repeat("v", 4097)), Type: ssmtypes.ParameterTypeString}},
		{"tags with overwrite", ssm.PutParameterInput{Name: aws.String("/x"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
			Tags: []ssmtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}},
		{"bad data type", ssm.PutParameterInput{Name: aws.String("/x"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString, DataType: aws.String("image")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := client.PutParameter(ctx(t), &in)
			wantAPIError(t, err, "ValidationException", 400, "")
		})
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %+v", inv)
	}
}
