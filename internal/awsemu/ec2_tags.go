package awsemu

import (
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const maxEC2Tags = 50

// ec2Tags renders a tag map sorted by key (nil when empty, as AWS leaves the
// tag set out).
func ec2Tags(m map[string]string) []types.Tag {
	if len(m) == 0 {
		return nil
	}
	keys := sortedKeys(m)
	out := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// validateTag applies EC2's limits to one tag.
func validateTag(t types.Tag) error {
	k := aws.ToString(t.Key)
	switch {
	case k == "":
		return Errorf("InvalidParameterValue", "Tag key cannot be empty")
	case len([]rune(k)) > 128:
		return Errorf("InvalidParameterValue", "Tag key exceeds the maximum length of 128 characters")
	case len([]rune(aws.ToString(t.Value))) > 256:
		return Errorf("InvalidParameterValue", "Tag value exceeds the maximum length of 256 characters")
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return reservedTagKey(k)
	}
	return nil
}

// reservedTagKey is EC2's answer to a tag key in the aws: namespace.
func reservedTagKey(k string) error {
	return Errorf("InvalidParameterValue", "Value ( %s ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", k)
}

func tagLimit() error {
	return Errorf("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
}

// tagsByType reads TagSpecifications of a create call, refusing resource
// types the operation does not create.
func tagsByType(specs []types.TagSpecification, allowed ...types.ResourceType) (map[types.ResourceType]map[string]string, error) {
	out := map[types.ResourceType]map[string]string{}
	for _, spec := range specs {
		ok := false
		for _, a := range allowed {
			ok = ok || spec.ResourceType == a
		}
		if !ok {
			if spec.ResourceType == "" {
				return nil, Errorf("InvalidParameterValue", "Tag specification resource type must have a value")
			}
			return nil, Errorf("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", spec.ResourceType)
		}
		m := out[spec.ResourceType]
		if m == nil {
			m = map[string]string{}
			out[spec.ResourceType] = m
		}
		for _, t := range spec.Tags {
			if err := validateTag(t); err != nil {
				return nil, err
			}
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if len(m) > maxEC2Tags {
			return nil, tagLimit()
		}
	}
	return out, nil
}

// tagsForCreate reads the tags of a create call for a single resource type.
func tagsForCreate(specs []types.TagSpecification, rt types.ResourceType) (map[string]string, error) {
	by, err := tagsByType(specs, rt)
	if err != nil {
		return nil, err
	}
	if m := by[rt]; m != nil {
		return m, nil
	}
	return map[string]string{}, nil
}

// tagTarget finds the tag map of any taggable resource by id.
func (s *ec2Service) tagTarget(id string) (map[string]string, types.ResourceType, error) {
	prefix, _, _ := strings.Cut(id, "-")
	nf := func(code, noun string) error { return notFoundIDs(code, noun, []string{id}) }
	switch prefix {
	case "vpc":
		if v, ok := s.vpcs[id]; ok {
			return v.tags, types.ResourceTypeVpc, nil
		}
		return nil, "", nf("InvalidVpcID.NotFound", "vpc")
	case "subnet":
		if v, ok := s.subnets[id]; ok {
			return v.tags, types.ResourceTypeSubnet, nil
		}
		return nil, "", nf("InvalidSubnetID.NotFound", "subnet")
	case "igw":
		if v, ok := s.igws[id]; ok {
			return v.tags, types.ResourceTypeInternetGateway, nil
		}
		return nil, "", nf("InvalidInternetGatewayID.NotFound", "internetGateway")
	case "rtb":
		if v, ok := s.rtbs[id]; ok {
			return v.tags, types.ResourceTypeRouteTable, nil
		}
		return nil, "", nf("InvalidRouteTableID.NotFound", "routeTable")
	case "sg":
		if v, ok := s.sgs[id]; ok {
			return v.tags, types.ResourceTypeSecurityGroup, nil
		}
		return nil, "", sgNotFound(id)
	case "eni":
		if v, ok := s.enis[id]; ok {
			return v.tags, types.ResourceTypeNetworkInterface, nil
		}
		return nil, "", nf("InvalidNetworkInterfaceID.NotFound", "networkInterface")
	case "i":
		if v, ok := s.instances[id]; ok {
			return v.tags, types.ResourceTypeInstance, nil
		}
		return nil, "", nf("InvalidInstanceID.NotFound", "instance")
	case "vol":
		if v, ok := s.volumes[id]; ok {
			return v.tags, types.ResourceTypeVolume, nil
		}
		return nil, "", Errorf("InvalidVolume.NotFound", "The volume '%s' does not exist.", id)
	case "sir":
		if v, ok := s.spotRequests[id]; ok {
			return v.tags, types.ResourceTypeSpotInstancesRequest, nil
		}
		return nil, "", spotRequestNotFound([]string{id})
	case "key":
		for _, k := range s.keyPairs {
			if k.id == id {
				return k.tags, types.ResourceTypeKeyPair, nil
			}
		}
		return nil, "", Errorf("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", id)
	}
	return nil, "", Errorf("InvalidID", "The ID '%s' is not valid", id)
}

func (s *ec2Service) CreateTags(c *Call, in *ec2.CreateTagsInput) (*ec2.CreateTagsOutput, error) {
	if len(in.Resources) == 0 {
		return nil, missingParam("resourceIdSet")
	}
	if len(in.Tags) == 0 {
		return nil, missingParam("tagSet")
	}
	for _, t := range in.Tags {
		if err := validateTag(t); err != nil {
			return nil, err
		}
	}
	targets := make([]map[string]string, 0, len(in.Resources))
	for _, id := range in.Resources {
		m, rt, err := s.tagTarget(id)
		if err != nil {
			return nil, err
		}
		if inst := s.instances[id]; rt == types.ResourceTypeInstance && inst != nil && metadataTagsEnabled(inst.meta) {
			var added []string
			for _, t := range in.Tags {
				added = append(added, aws.ToString(t.Key))
			}
			if err := checkIMDSTagKeys(added); err != nil {
				return nil, err
			}
		}
		keys := map[string]bool{}
		for k := range m {
			keys[k] = true
		}
		for _, t := range in.Tags {
			keys[aws.ToString(t.Key)] = true
		}
		if len(keys) > maxEC2Tags {
			return nil, tagLimit()
		}
		targets = append(targets, m)
	}
	for _, m := range targets {
		for _, t := range in.Tags {
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return &ec2.CreateTagsOutput{}, nil
}

func (s *ec2Service) DeleteTags(c *Call, in *ec2.DeleteTagsInput) (*ec2.DeleteTagsOutput, error) {
	if len(in.Resources) == 0 {
		return nil, missingParam("resourceIdSet")
	}
	for _, t := range in.Tags {
		if k := aws.ToString(t.Key); strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, reservedTagKey(k)
		}
	}
	targets := make([]map[string]string, 0, len(in.Resources))
	for _, id := range in.Resources {
		m, _, err := s.tagTarget(id)
		if err != nil {
			return nil, err
		}
		targets = append(targets, m)
	}
	for _, m := range targets {
		if len(in.Tags) == 0 {
			for k := range m {
				delete(m, k)
			}
			continue
		}
		for _, t := range in.Tags {
			k := aws.ToString(t.Key)
			if v, ok := m[k]; ok && (t.Value == nil || *t.Value == v) {
				delete(m, k)
			}
		}
	}
	return &ec2.DeleteTagsOutput{}, nil
}

type tagRow struct {
	id    string
	rtype types.ResourceType
	key   string
	value string
	seq   int
}

func (s *ec2Service) DescribeTags(c *Call, in *ec2.DescribeTagsInput) (*ec2.DescribeTagsOutput, error) {
	var rows []tagRow
	add := func(id string, rt types.ResourceType, seq int, tags map[string]string) {
		for _, k := range sortedKeys(tags) {
			rows = append(rows, tagRow{id: id, rtype: rt, key: k, value: tags[k], seq: seq})
		}
	}
	for _, v := range s.vpcs {
		add(v.id, types.ResourceTypeVpc, v.seq, v.tags)
	}
	for _, v := range s.subnets {
		add(v.id, types.ResourceTypeSubnet, v.seq, v.tags)
	}
	for _, v := range s.igws {
		add(v.id, types.ResourceTypeInternetGateway, v.seq, v.tags)
	}
	for _, v := range s.rtbs {
		add(v.id, types.ResourceTypeRouteTable, v.seq, v.tags)
	}
	for _, v := range s.sgs {
		add(v.id, types.ResourceTypeSecurityGroup, v.seq, v.tags)
	}
	for _, v := range s.enis {
		add(v.id, types.ResourceTypeNetworkInterface, v.seq, v.tags)
	}
	for _, v := range s.instances {
		add(v.id, types.ResourceTypeInstance, v.seq, v.tags)
	}
	for _, v := range s.volumes {
		add(v.id, types.ResourceTypeVolume, v.seq, v.tags)
	}
	for _, v := range s.keyPairs {
		add(v.id, types.ResourceTypeKeyPair, v.seq, v.tags)
	}
	for _, v := range s.spotRequests {
		add(v.id, types.ResourceTypeSpotInstancesRequest, v.seq, v.tags)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].seq != rows[j].seq {
			return rows[i].seq < rows[j].seq
		}
		return rows[i].key < rows[j].key
	})
	spec := filterSpec[tagRow]{
		"resource-id":   func(r tagRow) []string { return one(r.id) },
		"resource-type": func(r tagRow) []string { return one(string(r.rtype)) },
		"key":           func(r tagRow) []string { return one(r.key) },
		"value":         func(r tagRow) []string { return []string{r.value} },
	}
	rows, err := applyFilters(rows, in.Filters, spec, nil)
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(rows, in.NextToken, in.MaxResults, 5, 1000, "")
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeTagsOutput{NextToken: next, Tags: []types.TagDescription{}}
	for _, r := range page {
		out.Tags = append(out.Tags, types.TagDescription{ResourceId: aws.String(r.id), ResourceType: r.rtype, Key: aws.String(r.key), Value: aws.String(r.value)})
	}
	return out, nil
}
