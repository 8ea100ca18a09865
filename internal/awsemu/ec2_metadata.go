package awsemu

import (
	"net/http"
	"regexp"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Instance metadata options and the tag rules that come with instance tags
// in IMDS. With InstanceMetadataTags enabled every instance tag becomes a
// path under /latest/meta-data/tags/instance/, so EC2 accepts only keys that
// are valid path segments: RunInstances and CreateTags refuse other keys, and
// enabling the option on an instance that already has one fails.

var imdsTagKeyPattern = regexp.MustCompile(`^[0-9a-zA-Z\-_+=,.@:]{1,255}$`)

// checkIMDSTagKeys returns EC2's error for the first (sorted) key that
// cannot be exposed in instance metadata, with the message AWS sends.
func checkIMDSTagKeys(keys []string) error {
	sort.Strings(keys)
	for _, k := range keys {
		if !imdsTagKeyPattern.MatchString(k) || k == "." || k == ".." || k == "_index" {
			return Errorf("InvalidParameterValue", "'%s' is not a valid tag key. Tag keys must match pattern ([0-9a-zA-Z\\\\-_+=,.@:]{1,255}), and must not be a reserved name ('.', '..', '_index')", k)
		}
	}
	return nil
}

func tagKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func metadataTagsEnabled(meta types.InstanceMetadataOptionsResponse) bool {
	return meta.InstanceMetadataTags == types.InstanceMetadataTagsStateEnabled
}

func (s *ec2Service) ModifyInstanceMetadataOptions(c *Call, in *ec2.ModifyInstanceMetadataOptionsInput) (*ec2.ModifyInstanceMetadataOptionsOutput, error) {
	insts, err := s.instancesByIDs([]string{aws.ToString(in.InstanceId)})
	if err != nil {
		return nil, err
	}
	inst := insts[0]
	if st := inst.tl.State(c.Now()); st == "shutting-down" || st == "terminated" {
		return nil, Errorf("IncorrectInstanceState", "The instance '%s' is not in a state from which its metadata options can be modified.", inst.id)
	}
	// Unset members keep their current value.
	req := &types.InstanceMetadataOptionsRequest{HttpTokens: inst.meta.HttpTokens, HttpPutResponseHopLimit: inst.meta.HttpPutResponseHopLimit,
		HttpEndpoint: inst.meta.HttpEndpoint, HttpProtocolIpv6: inst.meta.HttpProtocolIpv6, InstanceMetadataTags: inst.meta.InstanceMetadataTags}
	if in.HttpTokens != "" {
		req.HttpTokens = in.HttpTokens
	}
	if in.HttpPutResponseHopLimit != nil {
		req.HttpPutResponseHopLimit = in.HttpPutResponseHopLimit
	}
	if in.HttpEndpoint != "" {
		req.HttpEndpoint = in.HttpEndpoint
	}
	if in.HttpProtocolIpv6 != "" {
		req.HttpProtocolIpv6 = in.HttpProtocolIpv6
	}
	if in.InstanceMetadataTags != "" {
		req.InstanceMetadataTags = in.InstanceMetadataTags
	}
	meta, err := metadataOptions(req)
	if err != nil {
		return nil, err
	}
	if metadataTagsEnabled(meta) && !metadataTagsEnabled(inst.meta) {
		if err := checkIMDSTagKeys(tagKeys(inst.tags)); err != nil {
			return nil, err
		}
	}
	if aws.ToBool(in.DryRun) {
		return nil, ErrorfStatus(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	inst.meta = meta
	// The change is applied asynchronously: the answer says pending, a
	// later DescribeInstances applied.
	shown := meta
	shown.State = types.InstanceMetadataOptionsStatePending
	return &ec2.ModifyInstanceMetadataOptionsOutput{InstanceId: aws.String(inst.id), InstanceMetadataOptions: &shown}, nil
}
