package elbv2

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// DeleteListener deletes a listener and its rules; a listener that does not
// exist is success.
func DeleteListener(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string) error {
	_, err := conn.DeleteListener(ctx, &elasticloadbalancingv2.DeleteListenerInput{ListenerArn: aws.String(arn)})
	if notFound(err, errCodeListenerNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting ELBv2 Listener (%s): %w", arn, err)
	}
	return nil
}
