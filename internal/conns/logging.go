package conns

import (
	"context"
	"regexp"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
)

// LogSubsystem is the tflog subsystem for AWS API calls; its level is set with
// TF_LOG_PROVIDER_GEUSEMAKER_AWS.
const LogSubsystem = "aws"

// Secrets that may appear in request or response fields: credentials in
// headers and the STS responses, web identity tokens in the request.
var (
	maskedFieldKeys = []string{"authorization", "x-amz-security-token"}
	maskedPatterns  = []*regexp.Regexp{
		regexp.MustCompile(`(?i)(SecretAccessKey|SessionToken|WebIdentityToken|X-Amz-Security-Token)(["'>:=\s]+)[^"'<&\s]+`),
		regexp.MustCompile(`(?i)(Signature=)[0-9a-f]+`),
	}
)

func logContext(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, LogSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_GEUSEMAKER_AWS"))
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, LogSubsystem, maskedFieldKeys...)
	ctx = tflog.SubsystemMaskAllFieldValuesRegexes(ctx, LogSubsystem, maskedPatterns...)
	ctx = tflog.SubsystemMaskMessageRegexes(ctx, LogSubsystem, maskedPatterns...)
	return ctx
}

// addLogging logs every AWS call: operation, status, duration and error code
// at DEBUG, and the HTTP exchange (secrets masked) at TRACE.
func addLogging(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("GeuseMakerLogging",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			ctx = logContext(ctx)
			fields := map[string]any{
				"aws.service":   awsmiddleware.GetServiceID(ctx),
				"aws.operation": awsmiddleware.GetOperationName(ctx),
				"aws.region":    awsmiddleware.GetRegion(ctx),
			}
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				tflog.SubsystemTrace(ctx, LogSubsystem, "sending AWS request", map[string]any{
					"http.method": req.Method, "http.url": req.URL.String(), "authorization": req.Header.Get("Authorization"),
					"x-amz-security-token": req.Header.Get("X-Amz-Security-Token"),
				})
			}
			start := time.Now()
			out, md, err := next.HandleDeserialize(ctx, in)
			fields["duration_ms"] = time.Since(start).Milliseconds()
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
				fields["http.status"] = resp.StatusCode
			}
			if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
				fields["aws.request_id"] = id
			}
			if err != nil {
				fields["aws.error_code"] = errs.Code(err)
				fields["error"] = err.Error()
			}
			tflog.SubsystemDebug(ctx, LogSubsystem, "AWS API call", fields)
			return out, md, err
		}), middleware.After)
}
