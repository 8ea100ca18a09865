package awsemu

import (
	"crypto/sha256"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// ssmService emulates SSM Parameter Store for one region: the AWS public
// parameters that resolve to the region's AMIs (from the AMIsOf fixtures,
// so that they agree with EC2 DescribeImages) and user parameters.
//
// Behaviour reproduced: ParameterNotFound (with the empty message the real
// service sends) for unknown names, InvalidParameters in GetParameters,
// ParameterAlreadyExists without Overwrite, versions that grow on each
// overwrite and "name:version" selectors, SecureString values returned as
// ciphertext unless WithDecryption, the reserved aws/ssm name prefixes, and
// GetParametersByPath with Recursive and MaxResults (1..10) paging over both
// public and user parameters.
//
// No knobs.
type ssmService struct {
	e      *Emulator
	region string
	params map[string]*ssmParam // user parameters by name
	public map[string]*ssmParam // public parameters by name
}

type ssmParam struct {
	name        string
	typ         ssmtypes.ParameterType
	dataType    string
	description string
	keyID       string
	tags        map[string]string
	versions    []ssmVersion // versions[i] is version i+1
	public      bool
}

type ssmVersion struct {
	value    string
	modified time.Time
}

func init() {
	Register(ServiceInfo{
		Name:         "ssm",
		SigningName:  "ssm",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/ssm",
		TargetPrefix: "AmazonSSM",
		ThrottleCode: "ThrottlingException",
	}, newSSMService)
}

// ssmPublicVersion is the version the public AMI parameters report: they
// have been updated many times since they were first published.
const ssmPublicVersion = 112

func newSSMService(e *Emulator, region string) *ssmService {
	s := &ssmService{e: e, region: region, params: map[string]*ssmParam{}, public: map[string]*ssmParam{}}
	published := time.Date(2026, 11, 9, 21, 17, 43, 0, time.UTC)
	for _, ami := range AMIsOf(region) {
		p := &ssmParam{name: ami.SSMParameter, typ: ssmtypes.ParameterTypeString, dataType: "aws:ec2:image", public: true}
		// Only the current version is readable; earlier ones are padding.
		p.versions = make([]ssmVersion, ssmPublicVersion)
		p.versions[ssmPublicVersion-1] = ssmVersion{value: ami.ID, modified: published}
		s.public[p.name] = p
	}
	return s
}

func (s *ssmService) arn(p *ssmParam) string {
	account := AccountID
	if p.public {
		account = ""
	}
	name := p.name
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	return "arn:aws:ssm:" + s.region + ":" + account + ":parameter" + name
}

func ssmNotFound() *APIError { return Errorf("ParameterNotFound", "") }

func ssmValidation(format string, args ...any) *APIError {
	return Errorf("ValidationException", format, args...)
}

// lookup finds a parameter by name, an optional ":version" selector and the
// ARN form of the name.
func (s *ssmService) lookup(ref string) (*ssmParam, int, *APIError) {
	name, selector := ref, ""
	if strings.HasPrefix(ref, "arn:aws:ssm:") {
		if _, rest, ok := strings.Cut(ref, ":parameter"); ok {
			name = rest
		}
	}
	if i := strings.LastIndex(name, ":"); i >= 0 {
		name, selector = name[:i], name[i+1:]
	}
	p := s.params[name]
	if p == nil {
		p = s.public[name]
	}
	if p == nil && strings.HasPrefix(ref, "arn:") {
		// The ARN of a name without a leading slash still has one.
		p = s.params[strings.TrimPrefix(name, "/")]
	}
	if p == nil {
		return nil, 0, ssmNotFound()
	}
	version := len(p.versions)
	if selector != "" {
		n, err := strconv.Atoi(selector)
		if err != nil || n < 1 || n > len(p.versions) || p.versions[n-1].value == "" {
			if err != nil {
				return nil, 0, Errorf("ParameterVersionLabelNotFound", "Systems Manager could not find the specified label %s for parameter %s.", selector, name)
			}
			return nil, 0, Errorf("ParameterVersionNotFound", "Systems Manager could not find version %s of %s. Verify the version and try again.", selector, name)
		}
		version = n
	}
	return p, version, nil
}

func (s *ssmService) view(p *ssmParam, version int, decrypt bool, selector string) ssmtypes.Parameter {
	v := p.versions[version-1]
	value := v.value
	if p.typ == ssmtypes.ParameterTypeSecureString && !decrypt {
		sum := sha256.Sum256([]byte(p.name + "/" + strconv.Itoa(version) + "/" + value))
		value = base64.StdEncoding.EncodeToString(append([]byte("AQICAHh"), sum[:]...))
	}
	out := ssmtypes.Parameter{
		Name: aws.String(p.name), Type: p.typ, Value: aws.String(value), Version: int64(version),
		LastModifiedDate: aws.Time(v.modified), ARN: aws.String(s.arn(p)), DataType: aws.String(p.dataType),
	}
	if selector != "" {
		out.Selector = aws.String(selector)
	}
	return out
}

func ssmSelector(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ""
	}
	if i := strings.LastIndex(ref, ":"); i >= 0 {
		return ref[i:]
	}
	return ""
}

func (s *ssmService) GetParameter(c *Call, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
	ref := aws.ToString(in.Name)
	p, version, err := s.lookup(ref)
	if err != nil {
		return nil, err
	}
	v := s.view(p, version, aws.ToBool(in.WithDecryption), ssmSelector(ref))
	return &ssm.GetParameterOutput{Parameter: &v}, nil
}

func (s *ssmService) GetParameters(c *Call, in *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
	if len(in.Names) < 1 || len(in.Names) > 10 {
		return nil, ssmValidation("1 validation error detected: Value '%v' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10", in.Names)
	}
	out := &ssm.GetParametersOutput{Parameters: []ssmtypes.Parameter{}, InvalidParameters: []string{}}
	for _, ref := range in.Names {
		p, version, err := s.lookup(ref)
		if err != nil {
			out.InvalidParameters = append(out.InvalidParameters, ref)
			continue
		}
		out.Parameters = append(out.Parameters, s.view(p, version, aws.ToBool(in.WithDecryption), ssmSelector(ref)))
	}
	return out, nil
}

func (s *ssmService) checkName(name string) *APIError {
	if name == "" || len(name) > 2048 {
		return ssmValidation("Parameter name must be between 1 and 2048 characters.")
	}
	trimmed := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(trimmed, "aws") || strings.HasPrefix(trimmed, "ssm") {
		return ssmValidation("No access to reserved parameter name: %s.", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-/", r)) {
			return ssmValidation("Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.")
		}
	}
	if strings.Contains(name, "/") && !strings.HasPrefix(name, "/") {
		return ssmValidation("Parameter name must be a fully qualified name.")
	}
	if strings.Count(name, "/") > 15 {
		return ssmValidation("Parameter name hierarchy depth cannot exceed 15 levels.")
	}
	return nil
}

func (s *ssmService) PutParameter(c *Call, in *ssm.PutParameterInput) (*ssm.PutParameterOutput, error) {
	name := aws.ToString(in.Name)
	if err := s.checkName(name); err != nil {
		return nil, err
	}
	value := aws.ToString(in.Value)
	if len(value) > 4096 && in.Tier != ssmtypes.ParameterTierAdvanced {
		return nil, ssmValidation("Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.")
	}
	if value == "" {
		return nil, ssmValidation("1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	switch in.Type {
	case "", ssmtypes.ParameterTypeString, ssmtypes.ParameterTypeStringList, ssmtypes.ParameterTypeSecureString:
	default:
		return nil, ssmValidation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", in.Type)
	}
	dataType := aws.ToString(in.DataType)
	switch dataType {
	case "":
		dataType = "text"
	case "text", "aws:ec2:image", "aws:ssm:integration":
	default:
		return nil, ssmValidation("The following data type is not supported: %s (Data type names are all lowercase.)", dataType)
	}
	if in.KeyId != nil && in.Type != ssmtypes.ParameterTypeSecureString {
		return nil, ssmValidation("KeyId is required for SecureString type parameter only.")
	}
	overwrite := aws.ToBool(in.Overwrite)
	if overwrite && len(in.Tags) > 0 {
		return nil, ssmValidation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	now := c.Now()
	if p := s.params[name]; p != nil {
		if !overwrite {
			return nil, Errorf("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
		}
		if len(p.versions) >= 100 {
			return nil, Errorf("ParameterMaxVersionLimitExceeded", "You attempted to create a new version of %s by calling the PutParameter API with the overwrite flag. Version %d, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.", name, 1)
		}
		if in.Type != "" {
			p.typ = in.Type
		}
		if in.Description != nil {
			p.description = aws.ToString(in.Description)
		}
		if in.DataType != nil {
			p.dataType = dataType
		}
		p.versions = append(p.versions, ssmVersion{value: value, modified: now})
		return &ssm.PutParameterOutput{Version: int64(len(p.versions)), Tier: ssmtypes.ParameterTierStandard}, nil
	}
	if in.Type == "" {
		return nil, ssmValidation("A parameter type is required when you create a parameter.")
	}
	if len(in.Tags) > 50 {
		return nil, ssmValidation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	p := &ssmParam{name: name, typ: in.Type, dataType: dataType, description: aws.ToString(in.Description), keyID: aws.ToString(in.KeyId),
		versions: []ssmVersion{{value: value, modified: now}}}
	if p.typ == ssmtypes.ParameterTypeSecureString && p.keyID == "" {
		p.keyID = "alias/aws/ssm"
	}
	for _, t := range in.Tags {
		if p.tags == nil {
			p.tags = map[string]string{}
		}
		p.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	s.params[name] = p
	return &ssm.PutParameterOutput{Version: 1, Tier: ssmtypes.ParameterTierStandard}, nil
}

func (s *ssmService) DeleteParameter(c *Call, in *ssm.DeleteParameterInput) (*ssm.DeleteParameterOutput, error) {
	name := aws.ToString(in.Name)
	if _, ok := s.params[name]; !ok {
		return nil, ssmNotFound()
	}
	delete(s.params, name)
	return &ssm.DeleteParameterOutput{}, nil
}

func (s *ssmService) GetParametersByPath(c *Call, in *ssm.GetParametersByPathInput) (*ssm.GetParametersByPathOutput, error) {
	path := aws.ToString(in.Path)
	if !strings.HasPrefix(path, "/") {
		return nil, ssmValidation("The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.")
	}
	var max int32
	if in.MaxResults != nil {
		max = *in.MaxResults
		if max < 1 || max > 10 {
			return nil, ssmValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10", max)
		}
	}
	if len(in.ParameterFilters) > 0 {
		return nil, ssmValidation("ParameterFilters are not supported by this emulator.")
	}
	prefix := strings.TrimSuffix(path, "/") + "/"
	var matched []*ssmParam
	for _, set := range []map[string]*ssmParam{s.params, s.public} {
		for name, p := range set {
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			if !aws.ToBool(in.Recursive) && strings.Contains(name[len(prefix):], "/") {
				continue
			}
			matched = append(matched, p)
		}
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].name < matched[j].name })
	page, next, err := Paginate(matched, in.NextToken, max, 10)
	if err != nil {
		return nil, Errorf("ValidationException", "The specified token is invalid.")
	}
	out := &ssm.GetParametersByPathOutput{Parameters: []ssmtypes.Parameter{}, NextToken: next}
	for _, p := range page {
		out.Parameters = append(out.Parameters, s.view(p, len(p.versions), aws.ToBool(in.WithDecryption), ""))
	}
	return out, nil
}

func (s *ssmService) Inventory(now time.Time) []Resource {
	var out []Resource
	for _, p := range s.params {
		out = append(out, Resource{Service: "ssm", Region: s.region, Type: "parameter", ID: p.name, State: string(p.typ), Tags: p.tags})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
