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

// The credentials contract: five parameters under /geusemaker/<name>/,
// four of them SecureString with the AWS managed key.
func TestSSMDeploymentCredentials(t *testing.T) {
	e := startEmu(t, Options{})
	client := ssm.NewFromConfig(sdkConfig(e, "eu-west-1"))
	creds := map[string]string{"n8n-owner-email": "owner@example.com", "n8n-owner-password": "pw-1", "ollama-api-key": "ok-1", "qdrant-api-key": "qk-1", "crawl4ai-token": "ct-1"}
	for name, value := range creds {
		typ := ssmtypes.ParameterTypeSecureString
		if name == "n8n-owner-email" {
			typ = ssmtypes.ParameterTypeString
		}
		if _, err := client.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String("/geusemaker/ai-gpu/" + name), Value: aws.String(value), Type: typ,
			Tags: []ssmtypes.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("ai-gpu")}}}); err != nil {
			t.Fatal(err)
		}
	}
	// Encrypted-looking without decryption, never the value itself.
	enc, err := client.GetParametersByPath(ctx(t), &ssm.GetParametersByPathInput{Path: aws.String("/geusemaker/ai-gpu/")})
	if err != nil || len(enc.Parameters) != 5 {
		t.Fatalf("by path = %+v %v", enc, err)
	}
	for _, p := range enc.Parameters {
		v := aws.ToString(p.Value)
		short := strings.TrimPrefix(aws.ToString(p.Name), "/geusemaker/ai-gpu/")
		if p.Type == ssmtypes.ParameterTypeSecureString && (v == creds[short] || strings.Contains(v, creds[short]) || !strings.HasPrefix(v, "AQICAH")) {
			t.Fatalf("%s not encrypted: %q", short, v)
		}
		if p.Type == ssmtypes.ParameterTypeString && v != creds[short] {
			t.Fatalf("%s = %q", short, v)
		}
	}
	secure, err := client.GetParametersByPath(ctx(t), &ssm.GetParametersByPathInput{Path: aws.String("/geusemaker/ai-gpu"), WithDecryption: aws.Bool(true),
		ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Type"), Values: []string{"SecureString"}}}})
	if err != nil || len(secure.Parameters) != 4 || aws.ToString(secure.Parameters[0].Value) != "ct-1" {
		t.Fatalf("secure only = %+v %v", secure, err)
	}
	_, err = client.GetParametersByPath(ctx(t), &ssm.GetParametersByPathInput{Path: aws.String("/geusemaker"),
		ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Name"), Values: []string{"x"}}}})
	wantAPIError(t, err, "InvalidFilterKey", 400, "")
	// The key defaults to the AWS managed key for Systems Manager.
	desc, err := client.DescribeParameters(ctx(t), &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{
		{Key: aws.String("Path"), Option: aws.String("Recursive"), Values: []string{"/geusemaker"}},
		{Key: aws.String("Type"), Values: []string{"SecureString"}}}})
	if err != nil || len(desc.Parameters) != 4 || aws.ToString(desc.Parameters[0].KeyId) != "alias/aws/ssm" || desc.Parameters[0].Tier != ssmtypes.ParameterTierStandard ||
		aws.ToString(desc.Parameters[0].LastModifiedUser) != "arn:aws:iam::123456789012:user/emulator" {
		t.Fatalf("describe = %+v %v", desc, err)
	}
	many, err := client.GetParameters(ctx(t), &ssm.GetParametersInput{Names: []string{"/geusemaker/ai-gpu/ollama-api-key", "/geusemaker/ai-gpu/nope"}, WithDecryption: aws.Bool(true)})
	if err != nil || len(many.Parameters) != 1 || aws.ToString(many.Parameters[0].Value) != "ok-1" || strings.Join(many.InvalidParameters, ",") != "/geusemaker/ai-gpu/nope" {
		t.Fatalf("get parameters = %+v %v", many, err)
	}
	if vals := e.SSMParameterValues("eu-west-1", "/geusemaker/ai-gpu/"); len(vals) != 5 || vals["/geusemaker/ai-gpu/qdrant-api-key"] != "qk-1" {
		t.Fatalf("values = %v", vals)
	}
	if inv := e.Inventory(); len(inv) != 5 || inv[0].Tags["geusemaker:deployment"] != "ai-gpu" {
		t.Fatalf("inventory = %+v", inv)
	}
	// DeleteParameters reports what it deleted and what it did not find.
	del, err := client.DeleteParameters(ctx(t), &ssm.DeleteParametersInput{Names: []string{"/geusemaker/ai-gpu/ollama-api-key", "/geusemaker/ai-gpu/nope",
		"/geusemaker/ai-gpu/qdrant-api-key", "/geusemaker/ai-gpu/crawl4ai-token", "/geusemaker/ai-gpu/n8n-owner-password", "/geusemaker/ai-gpu/n8n-owner-email"}})
	if err != nil || len(del.DeletedParameters) != 5 || strings.Join(del.InvalidParameters, ",") != "/geusemaker/ai-gpu/nope" {
		t.Fatalf("delete parameters = %+v %v", del, err)
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory after delete = %+v", inv)
	}
	_, err = client.DeleteParameters(ctx(t), &ssm.DeleteParametersInput{Names: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")})
	wantAPIError(t, err, "ValidationException", 400, "")
}

func TestSSMKeysTiersAndVersions(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"quota.ssm-standard-parameters": "3"}})
	client := ssm.NewFromConfig(sdkConfig(e, "us-east-1"))
	put := func(in ssm.PutParameterInput) (*ssm.PutParameterOutput, error) {
		return client.PutParameter(ctx(t), &in)
	}

	// Only the AWS managed key exists; KeyId belongs to SecureString.
	_, err := put(ssm.PutParameterInput{Name: aws.String("/k/custom"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeSecureString, KeyId: aws.String("alias/mine")})
	var badKey *ssmtypes.InvalidKeyId
	if !errors.As(err, &badKey) {
		t.Fatalf("want InvalidKeyId, got %v", err)
	}
	if _, err := put(ssm.PutParameterInput{Name: aws.String("/k/arn"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeSecureString, KeyId: aws.String("arn:aws:kms:us-east-1:123456789012:alias/aws/ssm")}); err != nil {
		t.Fatal(err)
	}

	// Advanced parameters hold 8 KB; a parameter never goes back to standard.
	big := strings.Repeat("v", 5000)
	out, err := put(ssm.PutParameterInput{Name: aws.String("/k/big"), Value: aws.String(big), Type: ssmtypes.ParameterTypeString, Tier: ssmtypes.ParameterTierIntelligentTiering})
	if err != nil || out.Tier != ssmtypes.ParameterTierAdvanced {
		t.Fatalf("intelligent tiering = %+v %v", out, err)
	}
	_, err = put(ssm.PutParameterInput{Name: aws.String("/k/big"), Value: aws.String("small"), Overwrite: aws.Bool(true), Tier: ssmtypes.ParameterTierStandard})
	wantAPIError(t, err, "ValidationException", 400, "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.")
	_, err = put(ssm.PutParameterInput{Name: aws.String("/k/huge"), Value: aws.String(strings.Repeat("v", 8193)), Type: ssmtypes.ParameterTypeString, Tier: ssmtypes.ParameterTierAdvanced})
	wantAPIError(t, err, "ValidationException", 400, "")

	// The standard-parameter quota (3 here) counts standard parameters only.
	if _, err := put(ssm.PutParameterInput{Name: aws.String("/k/third"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}); err != nil {
		t.Fatal(err)
	}
	if _, err := put(ssm.PutParameterInput{Name: aws.String("/k/fourth"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}); err != nil {
		t.Fatal(err)
	}
	_, err = put(ssm.PutParameterInput{Name: aws.String("/k/fifth"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
	var limit *ssmtypes.ParameterLimitExceeded
	if !errors.As(err, &limit) {
		t.Fatalf("want ParameterLimitExceeded, got %v", err)
	}

	// AllowedPattern applies to this value and to later overwrites.
	_, err = put(ssm.PutParameterInput{Name: aws.String("/k/port"), Value: aws.String("eighty"), Type: ssmtypes.ParameterTypeString, AllowedPattern: aws.String(`^\d+$`), Tier: ssmtypes.ParameterTierAdvanced})
	var mismatch *ssmtypes.ParameterPatternMismatchException
	if !errors.As(err, &mismatch) {
		t.Fatalf("want ParameterPatternMismatchException, got %v", err)
	}
	if _, err := put(ssm.PutParameterInput{Name: aws.String("/k/port"), Value: aws.String("80"), Type: ssmtypes.ParameterTypeString, AllowedPattern: aws.String(`^\d+$`), Tier: ssmtypes.ParameterTierAdvanced}); err != nil {
		t.Fatal(err)
	}
	_, err = put(ssm.PutParameterInput{Name: aws.String("/k/port"), Value: aws.String("eighty"), Overwrite: aws.Bool(true)})
	if !errors.As(err, &mismatch) {
		t.Fatalf("overwrite against the stored pattern: %v", err)
	}

	// Parameter Store keeps the last 100 versions.
	for i := 2; i <= 101; i++ {
		out, err := put(ssm.PutParameterInput{Name: aws.String("/k/port"), Value: aws.String(fmt.Sprint(i)), Overwrite: aws.Bool(true)})
		if err != nil || out.Version != int64(i) {
			t.Fatalf("version %d = %+v %v", i, out, err)
		}
	}
	_, err = client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/k/port:1")})
	wantAPIError(t, err, "ParameterVersionNotFound", 400, "")
	v2, err := client.GetParameter(ctx(t), &ssm.GetParameterInput{Name: aws.String("/k/port:2")})
	if err != nil || aws.ToString(v2.Parameter.Value) != "2" {
		t.Fatalf("version 2 = %+v %v", v2, err)
	}
}

func TestSSMNamesTagsAndDescribe(t *testing.T) {
	e := startEmu(t, Options{})
	client := ssm.NewFromConfig(sdkConfig(e, "us-east-1"))
	put := func(name string) error {
		_, err := client.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
		return err
	}
	// Fifteen levels are allowed, sixteen are not.
	fifteen := strings.Repeat("/l", 14) + "/name"
	if err := put(fifteen); err != nil {
		t.Fatal(err)
	}
	err := put(strings.Repeat("/l", 15) + "/name")
	var deep *ssmtypes.HierarchyLevelLimitExceededException
	if !errors.As(err, &deep) {
		t.Fatalf("16 levels: %v", err)
	}
	for _, bad := range []string{"a/b", "/a/", "/a//b", "/Aws-thing", "/ssm/x", "/" + strings.Repeat("n", 1011-len("arn:aws:ssm:us-east-1:123456789012:parameter/")+1)} {
		wantAPIError(t, put(bad), "ValidationException", 400, "")
	}
	if err := put("/" + strings.Repeat("n", 1011-len("arn:aws:ssm:us-east-1:123456789012:parameter/"))); err != nil {
		t.Fatalf("1011 characters with the ARN: %v", err)
	}

	// Tags: added and removed on a parameter by name.
	if _, err := client.AddTagsToResource(ctx(t), &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(fifteen),
		Tags: []ssmtypes.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RemoveTagsFromResource(ctx(t), &ssm.RemoveTagsFromResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(fifteen), TagKeys: []string{"b"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := client.ListTagsForResource(ctx(t), &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(fifteen)})
	if err != nil || len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Key) != "a" {
		t.Fatalf("tags = %+v %v", tags, err)
	}
	_, err = client.ListTagsForResource(ctx(t), &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String("/nope")})
	var badID *ssmtypes.InvalidResourceId
	if !errors.As(err, &badID) {
		t.Fatalf("want InvalidResourceId, got %v", err)
	}
	_, err = client.ListTagsForResource(ctx(t), &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingDocument, ResourceId: aws.String(fifteen)})
	var badType *ssmtypes.InvalidResourceType
	if !errors.As(err, &badType) {
		t.Fatalf("want InvalidResourceType, got %v", err)
	}
	tooMany := make([]ssmtypes.Tag, 50)
	for i := range tooMany {
		tooMany[i] = ssmtypes.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String("v")}
	}
	_, err = client.AddTagsToResource(ctx(t), &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(fifteen), Tags: tooMany})
	var tooManyErr *ssmtypes.TooManyTagsError
	if !errors.As(err, &tooManyErr) {
		t.Fatalf("want TooManyTagsError, got %v", err)
	}

	// DescribeParameters lists the account's parameters only, with filters.
	desc, err := client.DescribeParameters(ctx(t), &ssm.DescribeParametersInput{})
	if err != nil || len(desc.Parameters) != 2 {
		t.Fatalf("describe = %+v %v", desc, err)
	}
	byTag, err := client.DescribeParameters(ctx(t), &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("tag:a"), Values: []string{"1"}}}})
	if err != nil || len(byTag.Parameters) != 1 || aws.ToString(byTag.Parameters[0].Name) != fifteen {
		t.Fatalf("by tag = %+v %v", byTag, err)
	}
	byName, err := client.DescribeParameters(ctx(t), &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Name"), Option: aws.String("BeginsWith"), Values: []string{"/nnn"}}}})
	if err != nil || len(byName.Parameters) != 1 {
		t.Fatalf("by name = %+v %v", byName, err)
	}
	_, err = client.DescribeParameters(ctx(t), &ssm.DescribeParametersInput{MaxResults: aws.Int32(51)})
	wantAPIError(t, err, "ValidationException", 400, "")
	// The public parameters are not under the account's paths.
	root, err := client.GetParametersByPath(ctx(t), &ssm.GetParametersByPathInput{Path: aws.String("/"), Recursive: aws.Bool(true)})
	if err != nil || len(root.Parameters) != 2 {
		t.Fatalf("root = %+v %v", root, err)
	}
	for _, p := range root.Parameters {
		if strings.HasPrefix(aws.ToString(p.Name), "/aws/") {
			t.Fatalf("public parameter under /: %s", aws.ToString(p.Name))
		}
	}
}

// Tagging a parameter when creating it takes ssm:AddTagsToResource too;
// without tags, ssm:PutParameter alone is enough.
func TestSSMPutParameterTagsNeedTagPermission(t *testing.T) {
	e := startEmu(t, Options{})
	arn := createRoleWith(t, e, "writer", accountTrust, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"ssm:PutParameter","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/app/*"}]}`)
	c := ssm.NewFromConfig(assumeRole(t, e, arn))
	if _, err := c.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String("/app/plain"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
		t.Fatalf("without tags: %v", err)
	}
	_, err := c.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String("/app/tagged"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeSecureString,
		Tags: []ssmtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantDenied(t, err, "AccessDeniedException", 400, "User: arn:aws:sts::123456789012:assumed-role/writer/test is not authorized to perform: ssm:AddTagsToResource on resource: arn:aws:ssm:us-east-1:123456789012:parameter/app/tagged because no identity-based policy allows the ssm:AddTagsToResource action")
}
