package ssm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	awstypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfssm "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ssm"
)

func setup(t *testing.T) (*awsemu.Emulator, *ssm.Client, context.Context) {
	t.Helper()
	env := emutest.Start(t, emutest.Options{Region: "eu-west-1", Timeout: 30 * time.Second})
	return env.Emu, ssm.NewFromConfig(env.Config), env.Ctx
}

func TestFindParameterValue(t *testing.T) {
	_, conn, ctx := setup(t)
	for _, ami := range awsemu.AMIsOf("eu-west-1") {
		got, err := tfssm.FindParameterValue(ctx, conn, ami.SSMParameter)
		if err != nil || got != ami.ID {
			t.Fatalf("%s = %q, %v (want %s)", ami.SSMParameter, got, err, ami.ID)
		}
	}
	_, err := tfssm.FindParameterValue(ctx, conn, "/aws/service/none")
	if !retry.NotFound(err) || errs.Code(err) != "ParameterNotFound" {
		t.Fatalf("missing parameter: %v", err)
	}
	// SecureString values come back decrypted.
	if _, err := conn.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/gm/secret"), Value: aws.String("s3cret"), Type: awstypes.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	if got, err := tfssm.FindParameterValue(ctx, conn, "/gm/secret"); err != nil || got != "s3cret" {
		t.Fatalf("secure string = %q %v", got, err)
	}
}

func TestFindParameterValueErrorsKeepTheirCode(t *testing.T) {
	emu, conn, ctx := setup(t)
	emu.InjectFault(awsemu.Fault{Service: "ssm", Operation: "GetParameter", Code: "AccessDeniedException", Times: 1})
	_, err := tfssm.FindParameterValue(ctx, conn, awsemu.AMIsOf("eu-west-1")[0].SSMParameter)
	if retry.NotFound(err) || errs.Code(err) != "AccessDeniedException" {
		t.Fatalf("err = %v", err)
	}
}

// The credential parameters' lifecycle: create with tags, read back
// decrypted (more than one GetParameters batch), overwrite, retag, list by
// path, delete (missing names are not an error).
func TestParameterLifecycle(t *testing.T) {
	emu, conn, ctx := setup(t)
	var names []string
	for i := range 12 {
		name := fmt.Sprintf("/geusemaker/t/p%02d", i)
		names = append(names, name)
		if err := tfssm.PutParameter(ctx, conn, name, fmt.Sprintf("v%d", i), awstypes.ParameterTypeSecureString, "alias/aws/ssm", "test", false, map[string]string{"a": "1", "b": "2"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tfssm.PutParameter(ctx, conn, names[0], "again", awstypes.ParameterTypeSecureString, "alias/aws/ssm", "", false, map[string]string{"a": "1"}); errs.Code(err) != "ParameterAlreadyExists" {
		t.Fatalf("create over an existing parameter: %v", err)
	}
	if err := tfssm.PutParameter(ctx, conn, names[0], "new", awstypes.ParameterTypeSecureString, "alias/aws/ssm", "", true, map[string]string{"ignored": "x"}); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	got, err := tfssm.FindParametersByNames(ctx, conn, append(names, "/geusemaker/t/missing"))
	if err != nil || len(got) != 12 || aws.ToString(got[names[0]].Value) != "new" || aws.ToString(got[names[11]].Value) != "v11" || got[names[3]].Type != awstypes.ParameterTypeSecureString {
		t.Fatalf("by names: %d %v", len(got), err)
	}
	byPath, err := tfssm.FindParametersByPath(ctx, conn, "/geusemaker/t/", false)
	if err != nil || len(byPath) != 12 || aws.ToString(byPath[1].Value) == "v1" {
		t.Fatalf("by path (values must stay encrypted): %d %v", len(byPath), err)
	}
	if err := tfssm.UpdateTags(ctx, conn, names[0], map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "9", "c": "3"}); err != nil {
		t.Fatal(err)
	}
	if tg, err := tfssm.FindTags(ctx, conn, names[0]); err != nil || len(tg) != 2 || tg["a"] != "9" || tg["c"] != "3" {
		t.Fatalf("tags %v %v", tg, err)
	}
	if err := tfssm.DeleteParameters(ctx, conn, append(names, "/geusemaker/t/missing")); err != nil {
		t.Fatal(err)
	}
	if inv := emu.Inventory(); len(inv) != 0 {
		t.Fatalf("left: %+v", inv)
	}
}
