package ssm_test

import (
	"context"
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
