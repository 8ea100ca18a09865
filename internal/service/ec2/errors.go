// Package ec2 holds thin aws-sdk-go-v2 EC2 helpers in the terraform-provider-aws
// find/status/wait style for the orchestration layer: finders that map "not
// found" to retry.NotFoundError, status functions and waiters on the instance
// lifecycle, and create/delete helpers that ride out EC2's eventual
// consistency (IAM profile propagation, dependency violations while network
// interfaces are released). Callers import it as tfec2.
package ec2

import (
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// EC2 error codes the helpers react to.
const (
	ErrCodeDependencyViolation               = "DependencyViolation"
	ErrCodeGatewayNotAttached                = "Gateway.NotAttached"
	ErrCodeIncorrectInstanceState            = "IncorrectInstanceState"
	ErrCodeInvalidAMIIDNotFound              = "InvalidAMIID.NotFound"
	ErrCodeInvalidAssociationIDNotFound      = "InvalidAssociationID.NotFound"
	ErrCodeInvalidGroupInUse                 = "InvalidGroup.InUse"
	ErrCodeInvalidGroupNotFound              = "InvalidGroup.NotFound"
	ErrCodeInvalidInstanceIDNotFound         = "InvalidInstanceID.NotFound"
	ErrCodeInvalidInternetGatewayIDNotFound  = "InvalidInternetGatewayID.NotFound"
	ErrCodeInvalidKeyPairNotFound            = "InvalidKeyPair.NotFound"
	ErrCodeInvalidNetworkInterfaceIDNotFound = "InvalidNetworkInterfaceID.NotFound"
	ErrCodeInvalidParameterValue             = "InvalidParameterValue"
	ErrCodeInvalidPermissionDuplicate        = "InvalidPermission.Duplicate"
	ErrCodeInvalidPermissionNotFound         = "InvalidPermission.NotFound"
	ErrCodeInvalidPrefixListIDNotFound       = "InvalidPrefixListID.NotFound"
	ErrCodeInvalidRouteTableIDNotFound       = "InvalidRouteTableID.NotFound"
	ErrCodeInvalidSubnetIDNotFound           = "InvalidSubnetID.NotFound"
	ErrCodeInvalidVPCIDNotFound              = "InvalidVpcID.NotFound"
	ErrCodeInvalidVolumeNotFound             = "InvalidVolume.NotFound"
)

// notFoundCodes are the codes EC2 answers for an id that does not exist.
var notFoundCodes = []string{
	ErrCodeInvalidAMIIDNotFound, ErrCodeInvalidAssociationIDNotFound, ErrCodeInvalidGroupNotFound,
	ErrCodeInvalidInstanceIDNotFound, ErrCodeInvalidInternetGatewayIDNotFound, ErrCodeInvalidNetworkInterfaceIDNotFound,
	ErrCodeInvalidPrefixListIDNotFound, ErrCodeInvalidRouteTableIDNotFound, ErrCodeInvalidSubnetIDNotFound,
	ErrCodeInvalidVPCIDNotFound,
}

// isNotFound reports whether err is EC2's "does not exist" for some id, or
// a retry.NotFoundError from a finder.
func isNotFound(err error) bool {
	return retry.NotFound(err) || errs.IsCode(err, notFoundCodes...)
}

// notFound wraps an EC2 not-found error (or an empty result) for finders.
func notFound(err error) error {
	return &retry.NotFoundError{LastError: err}
}
