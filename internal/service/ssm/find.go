// Package ssm wraps the SSM Parameter Store calls the deployment makes: the
// public parameters that name the current Ubuntu and Deep Learning AMIs, and
// the deployment's own credential parameters (written, read back with
// decryption, tagged and deleted).
package ssm

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	awstypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// FindParameterValue returns the (decrypted) value of a parameter, or a
// retry.NotFoundError for ParameterNotFound.
func FindParameterValue(ctx context.Context, conn *ssm.Client, name string) (string, error) {
	out, err := conn.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if errs.IsA[*awstypes.ParameterNotFound](err) {
		return "", &retry.NotFoundError{LastError: err, Message: fmt.Sprintf("SSM parameter %s not found", name)}
	}
	if err != nil {
		return "", fmt.Errorf("reading SSM parameter (%s): %w", name, err)
	}
	if out == nil || out.Parameter == nil || out.Parameter.Value == nil {
		return "", &retry.NotFoundError{Message: fmt.Sprintf("SSM parameter %s not found (empty result)", name)}
	}
	return aws.ToString(out.Parameter.Value), nil
}

// FindParameter returns a parameter with its version, or a
// retry.NotFoundError for ParameterNotFound.
func FindParameter(ctx context.Context, conn *ssm.Client, name string) (*awstypes.Parameter, error) {
	out, err := conn.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if errs.IsA[*awstypes.ParameterNotFound](err) {
		return nil, &retry.NotFoundError{LastError: err, Message: fmt.Sprintf("SSM parameter %s not found", name)}
	}
	if err != nil {
		return nil, fmt.Errorf("reading SSM parameter (%s): %w", name, err)
	}
	if out == nil || out.Parameter == nil {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("SSM parameter %s not found (empty result)", name)}
	}
	return out.Parameter, nil
}

// DeleteParameter deletes a parameter; one that does not exist is success.
func DeleteParameter(ctx context.Context, conn *ssm.Client, name string) error {
	_, err := conn.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)})
	if err != nil && !errs.IsA[*awstypes.ParameterNotFound](err) {
		return fmt.Errorf("deleting SSM parameter (%s): %w", name, err)
	}
	return nil
}
