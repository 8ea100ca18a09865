package awsemu

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
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
// service sends) for unknown names, InvalidParameters in GetParameters and
// DeleteParameters, ParameterAlreadyExists without Overwrite, tags only on
// creation, versions that grow on each overwrite (the oldest dropped past
// 100) and "name:version" selectors, SecureString values encrypted with the
// AWS managed key alias/aws/ssm and returned as ciphertext unless
// WithDecryption, the name rules (characters, length, hierarchy depth, the
// reserved aws/ssm prefixes), the standard and advanced tiers with their
// value sizes, AllowedPattern, GetParametersByPath with Recursive,
// ParameterFilters and MaxResults (1..10) paging, DescribeParameters, and
// tags on parameters. The public /aws/service/ parameters are reachable by
// name and by path but are not the account's: DescribeParameters and the
// inventory list only user parameters.
//
// Authorization (which principal may read which parameter) is left to the
// emulator's IAM layer.
//
// Quotas: ssm-standard-parameters (10,000 per account and region) and
// ssm-advanced-parameters (100,000). Service Quotas does not publish an
// L- code for either that we could confirm, so the codes are the
// emulator's own; the knobs are quota.ssm-standard-parameters and
// quota.ssm-advanced-parameters.
//
// No knobs of its own.
type ssmService struct {
	e      *Emulator
	region string
	params map[string]*ssmParam // user parameters by name
	public map[string]*ssmParam // public parameters by name
}

type ssmParam struct {
	name           string
	typ            ssmtypes.ParameterType
	dataType       string
	description    string
	keyID          string
	allowedPattern string
	tier           ssmtypes.ParameterTier
	tags           map[string]string
	versions       []ssmVersion // versions[i] is version i+1; a dropped version has no value
	public         bool
}

type ssmVersion struct {
	value    string
	modified time.Time
	user     string
}

const (
	ssmQuotaStandard = "ssm-standard-parameters"
	ssmQuotaAdvanced = "ssm-advanced-parameters"
	ssmDefaultKey    = "alias/aws/ssm"
	ssmMaxVersions   = 100
)

func init() {
	Register(ServiceInfo{
		Name:         "ssm",
		SigningName:  "ssm",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/ssm",
		TargetPrefix: "AmazonSSM",
		ThrottleCode: "ThrottlingException",
	}, newSSMService)
	RegisterQuota(QuotaDef{ServiceCode: "ssm", Code: ssmQuotaStandard, Name: "Standard parameters per account and Region (emulator code)", Default: 10000})
	RegisterQuota(QuotaDef{ServiceCode: "ssm", Code: ssmQuotaAdvanced, Name: "Advanced parameters per account and Region (emulator code)", Default: 100000})
}

// ssmPublicVersion is the version the public AMI parameters report: they
// have been updated many times since they were first published.
const ssmPublicVersion = 112

func newSSMService(e *Emulator, region string) *ssmService {
	s := &ssmService{e: e, region: region, params: map[string]*ssmParam{}, public: map[string]*ssmParam{}}
	published := time.Date(2026, 11, 9, 21, 17, 43, 0, time.UTC)
	for _, ami := range AMIsOf(region) {
		p := &ssmParam{name: ami.SSMParameter, typ: ssmtypes.ParameterTypeString, dataType: "aws:ec2:image", public: true, tier: ssmtypes.ParameterTierStandard}
		// Only the current version is readable; earlier ones are padding.
		p.versions = make([]ssmVersion, ssmPublicVersion)
		p.versions[ssmPublicVersion-1] = ssmVersion{value: ami.ID, modified: published}
		s.public[p.name] = p
	}
	return s
}

func (s *ssmService) arnOf(name string, public bool) string {
	account := AccountID
	if public {
		account = ""
	}
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	return "arn:aws:ssm:" + s.region + ":" + account + ":parameter" + name
}

func (s *ssmService) arn(p *ssmParam) string { return s.arnOf(p.name, p.public) }

func ssmNotFound() *APIError { return Errorf("ParameterNotFound", "") }

func ssmValidation(format string, args ...any) *APIError {
	return Errorf("ValidationException", format, args...)
}

// nameOf turns a name or a parameter ARN of this region into a name.
func (s *ssmService) nameOf(ref string) string {
	if strings.HasPrefix(ref, "arn:aws:ssm:") {
		if _, rest, ok := strings.Cut(ref, ":parameter"); ok {
			return rest
		}
	}
	return ref
}

// lookup finds a parameter by name, an optional ":version" selector and the
// ARN form of the name.
func (s *ssmService) lookup(ref string) (*ssmParam, int, *APIError) {
	name, selector := s.nameOf(ref), ""
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

// ciphertext is what a SecureString value looks like without decryption:
// a KMS ciphertext blob, base64 encoded, that never contains the value.
func ssmCiphertext(p *ssmParam, version int, value string) string {
	sum := sha256.Sum256([]byte(p.name + "/" + strconv.Itoa(version) + "/" + p.keyID + "/" + value))
	blob := append([]byte{0x01, 0x02, 0x02, 0x00, 0x78}, sum[:]...)
	blob = append(blob, sum[:16]...)
	return base64.StdEncoding.EncodeToString(blob)
}

func (s *ssmService) view(p *ssmParam, version int, decrypt bool, selector string) ssmtypes.Parameter {
	v := p.versions[version-1]
	value := v.value
	if p.typ == ssmtypes.ParameterTypeSecureString && !decrypt {
		value = ssmCiphertext(p, version, value)
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

const ssmNameRules = "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_."

// checkName applies the parameter name rules of PutParameter.
func (s *ssmService) checkName(name string) *APIError {
	if name == "" || len(name) > 2048 {
		return ssmValidation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length between 1 and 2048", name)
	}
	// The documented limit is 1011 characters counting the parameter's
	// ARN; the emulator applies it that way, the stricter reading.
	if arn := s.arnOf(name, false); len(arn) > 1011 {
		return ssmValidation("Parameter name is too long: the fully qualified name, counted as its ARN %s..., can be at most 1011 characters.", arn[:64])
	}
	trimmed := strings.ToLower(strings.TrimPrefix(name, "/"))
	if strings.HasPrefix(trimmed, "aws") || strings.HasPrefix(trimmed, "ssm") {
		return ssmValidation("No access to reserved parameter name: %s.", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-/", r)) {
			return ssmValidation("%s", ssmNameRules)
		}
	}
	if strings.Contains(name, "/") {
		if !strings.HasPrefix(name, "/") {
			return ssmValidation("Parameter name must be a fully qualified name.")
		}
		if strings.HasSuffix(name, "/") || strings.Contains(name, "//") {
			return ssmValidation("%s", ssmNameRules)
		}
	}
	if strings.Count(name, "/") > 15 {
		return Errorf("HierarchyLevelLimitExceededException", "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.")
	}
	return nil
}

// ssmKeyID checks the KMS key of a SecureString parameter. The emulator has
// no KMS: only the AWS managed key for Systems Manager exists.
func (s *ssmService) ssmKeyID(key string) (string, *APIError) {
	switch key {
	case "", ssmDefaultKey, "arn:aws:kms:" + s.region + ":" + AccountID + ":" + ssmDefaultKey:
		return ssmDefaultKey, nil
	}
	return "", Errorf("InvalidKeyId", "Invalid KeyId %s: the key does not exist (the emulator has only the AWS managed key %s).", key, ssmDefaultKey)
}

func ssmCheckTags(tags []ssmtypes.Tag, existing int) *APIError {
	if existing+len(tags) > 50 {
		return Errorf("TooManyTagsError", "The Tags array has too many tags: a resource can have at most 50.")
	}
	for _, t := range tags {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if len(k) < 1 || len(k) > 128 || len(v) > 256 {
			return Errorf("InvalidTag", "The tag key or value is not valid: keys have 1 to 128 characters, values at most 256.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return Errorf("InvalidTag", "The tag key %s is not valid: the aws: prefix is reserved for AWS use.", k)
		}
		if !taggingPattern.MatchString(k) {
			return Errorf("ValidationException", "1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^%s$", k, taggingPatternText)
		}
		if !taggingPattern.MatchString(v) {
			return Errorf("ValidationException", "1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ^%s$", v, taggingPatternText)
		}
	}
	return nil
}

// tierLimit is the largest value a tier holds.
func ssmTierLimit(t ssmtypes.ParameterTier) int {
	if t == ssmtypes.ParameterTierAdvanced {
		return 8192
	}
	return 4096
}

func (s *ssmService) count(tier ssmtypes.ParameterTier) int {
	n := 0
	for _, p := range s.params {
		if p.tier == tier {
			n++
		}
	}
	return n
}

func (s *ssmService) PutParameter(c *Call, in *ssm.PutParameterInput) (*ssm.PutParameterOutput, error) {
	name := aws.ToString(in.Name)
	if err := s.checkName(name); err != nil {
		return nil, err
	}
	value := aws.ToString(in.Value)
	if value == "" {
		return nil, ssmValidation("1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	switch in.Type {
	case "", ssmtypes.ParameterTypeString, ssmtypes.ParameterTypeStringList, ssmtypes.ParameterTypeSecureString:
	default:
		return nil, ssmValidation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", in.Type)
	}
	switch in.Tier {
	case "", ssmtypes.ParameterTierStandard, ssmtypes.ParameterTierAdvanced, ssmtypes.ParameterTierIntelligentTiering:
	default:
		return nil, ssmValidation("1 validation error detected: Value '%s' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]", in.Tier)
	}
	if in.Policies != nil {
		return nil, ssmValidation("Parameter policies are not emulated.")
	}
	if len(aws.ToString(in.Description)) > 1024 {
		return nil, ssmValidation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1024")
	}
	dataType := aws.ToString(in.DataType)
	switch dataType {
	case "":
		dataType = "text"
	case "text", "aws:ssm:integration":
	case "aws:ec2:image":
		if in.Type != "" && in.Type != ssmtypes.ParameterTypeString {
			return nil, ssmValidation("The aws:ec2:image data type is only supported for String parameters.")
		}
		if !regexp.MustCompile(`^ami-[0-9a-f]{8}([0-9a-f]{9})?$`).MatchString(value) {
			return nil, ssmValidation("Parameter value %s is not a valid AMI ID for the aws:ec2:image data type.", value)
		}
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
	pattern := aws.ToString(in.AllowedPattern)
	if pattern != "" {
		re, err := regexp.Compile(pattern)
		if err != nil || len(pattern) > 1024 {
			return nil, ssmValidation("The allowed pattern %s is not a valid regular expression.", pattern)
		}
		if !re.MatchString(value) {
			return nil, Errorf("ParameterPatternMismatchException", "Parameter value, cannot be validated against allowedPattern: %s", pattern)
		}
	}

	now := c.Now()
	p := s.params[name]
	if p != nil && !overwrite {
		return nil, Errorf("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	}
	if p == nil && in.Type == "" {
		return nil, ssmValidation("A parameter type is required when you create a parameter.")
	}
	typ := in.Type
	if typ == "" {
		typ = p.typ
	}
	keyID := ""
	if typ == ssmtypes.ParameterTypeSecureString {
		want := aws.ToString(in.KeyId)
		if want == "" && p != nil && p.typ == ssmtypes.ParameterTypeSecureString {
			want = p.keyID
		}
		k, err := s.ssmKeyID(want)
		if err != nil {
			return nil, err
		}
		keyID = k
	}
	if pattern == "" && p != nil && p.allowedPattern != "" {
		if re, err := regexp.Compile(p.allowedPattern); err == nil && !re.MatchString(value) {
			return nil, Errorf("ParameterPatternMismatchException", "Parameter value, cannot be validated against allowedPattern: %s", p.allowedPattern)
		}
	}

	// The tier: what the caller asks for, never a downgrade, and with
	// Intelligent-Tiering the smallest that holds the value.
	current := ssmtypes.ParameterTierStandard
	if p != nil {
		current = p.tier
	}
	tier := in.Tier
	switch tier {
	case "":
		tier = current
	case ssmtypes.ParameterTierIntelligentTiering:
		tier = current
		if len(value) > ssmTierLimit(ssmtypes.ParameterTierStandard) {
			tier = ssmtypes.ParameterTierAdvanced
		}
	}
	if current == ssmtypes.ParameterTierAdvanced && tier == ssmtypes.ParameterTierStandard {
		return nil, ssmValidation("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.")
	}
	if len(value) > ssmTierLimit(tier) {
		if tier == ssmtypes.ParameterTierAdvanced {
			return nil, ssmValidation("Advanced tier parameters support a maximum parameter value of 8192 characters.")
		}
		return nil, ssmValidation("Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html")
	}
	if p == nil || p.tier != tier {
		code := ssmQuotaStandard
		if tier == ssmtypes.ParameterTierAdvanced {
			code = ssmQuotaAdvanced
		}
		if float64(s.count(tier)) >= c.Emu.Quota(code) {
			return nil, Errorf("ParameterLimitExceeded", "You have exceeded the number of parameters for this AWS account. Delete one or more parameters and try again.")
		}
	}

	version := ssmVersion{value: value, modified: now, user: c.Caller.ARN}
	if p != nil {
		p.typ, p.keyID, p.tier = typ, keyID, tier
		if in.Description != nil {
			p.description = aws.ToString(in.Description)
		}
		if in.DataType != nil {
			p.dataType = dataType
		}
		if pattern != "" {
			p.allowedPattern = pattern
		}
		p.versions = append(p.versions, version)
		// Parameter Store keeps 100 versions: the oldest goes.
		if n := len(p.versions) - ssmMaxVersions; n > 0 {
			p.versions[n-1].value = ""
		}
		return &ssm.PutParameterOutput{Version: int64(len(p.versions)), Tier: tier}, nil
	}
	if err := ssmCheckTags(in.Tags, 0); err != nil {
		return nil, err
	}
	p = &ssmParam{name: name, typ: typ, dataType: dataType, description: aws.ToString(in.Description), keyID: keyID,
		allowedPattern: pattern, tier: tier, versions: []ssmVersion{version}}
	for _, t := range in.Tags {
		if p.tags == nil {
			p.tags = map[string]string{}
		}
		p.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	s.params[name] = p
	return &ssm.PutParameterOutput{Version: 1, Tier: tier}, nil
}

func (s *ssmService) DeleteParameter(c *Call, in *ssm.DeleteParameterInput) (*ssm.DeleteParameterOutput, error) {
	// DeleteParameter takes the name only, not the ARN.
	name := aws.ToString(in.Name)
	if _, ok := s.params[name]; !ok {
		return nil, ssmNotFound()
	}
	delete(s.params, name)
	return &ssm.DeleteParameterOutput{}, nil
}

func (s *ssmService) DeleteParameters(c *Call, in *ssm.DeleteParametersInput) (*ssm.DeleteParametersOutput, error) {
	if len(in.Names) < 1 || len(in.Names) > 10 {
		return nil, ssmValidation("1 validation error detected: Value '%v' at 'names' failed to satisfy constraint: Member must have length between 1 and 10", in.Names)
	}
	out := &ssm.DeleteParametersOutput{DeletedParameters: []string{}, InvalidParameters: []string{}}
	for _, name := range in.Names {
		if _, ok := s.params[name]; !ok {
			out.InvalidParameters = append(out.InvalidParameters, name)
			continue
		}
		delete(s.params, name)
		out.DeletedParameters = append(out.DeletedParameters, name)
	}
	return out, nil
}

// ssmFilter is one ParameterFilters entry, checked.
type ssmFilter struct {
	key, option string
	values      []string
}

// parseFilters checks ParameterFilters against the keys an operation
// accepts.
func ssmParseFilters(in []ssmtypes.ParameterStringFilter, keys []string) ([]ssmFilter, *APIError) {
	var out []ssmFilter
	for _, f := range in {
		key, option := aws.ToString(f.Key), aws.ToString(f.Option)
		known := strings.HasPrefix(key, "tag:") && len(key) > 4
		for _, k := range keys {
			known = known || k == key
		}
		if !known {
			return nil, Errorf("InvalidFilterKey", "The following filter key is not valid: %s. Valid filter keys include: [%s].", key, strings.Join(keys, ", "))
		}
		if option == "" {
			option = "Equals"
		}
		switch {
		case key == "Path" && (option == "Recursive" || option == "OneLevel"):
		case key == "Name" && (option == "Equals" || option == "BeginsWith" || option == "Contains"):
		case (key == "KeyId" || key == "DataType" || key == "Type" || key == "Tier") && option == "Equals":
		case key == "KeyId" && option == "BeginsWith":
		case strings.HasPrefix(key, "tag:") && (option == "Equals" || option == "BeginsWith" || option == "Contains"):
		default:
			return nil, Errorf("InvalidFilterOption", "The filter option %s is not valid for key %s.", option, key)
		}
		if len(f.Values) > 50 || (len(f.Values) == 0 && !strings.HasPrefix(key, "tag:")) {
			return nil, Errorf("InvalidFilterValue", "The filter %s needs 1 to 50 values.", key)
		}
		out = append(out, ssmFilter{key: key, option: option, values: f.Values})
	}
	return out, nil
}

func ssmMatch(option, got string, values []string) bool {
	for _, v := range values {
		switch option {
		case "Equals":
			if got == v {
				return true
			}
		case "BeginsWith":
			if strings.HasPrefix(got, v) {
				return true
			}
		case "Contains":
			if strings.Contains(got, v) {
				return true
			}
		}
	}
	return false
}

// matches applies filters to a parameter (every filter must match).
func (p *ssmParam) matches(filters []ssmFilter) bool {
	for _, f := range filters {
		switch {
		case f.key == "Type":
			if !ssmMatch("Equals", string(p.typ), f.values) {
				return false
			}
		case f.key == "KeyId":
			if p.typ != ssmtypes.ParameterTypeSecureString || !ssmMatch(f.option, p.keyID, f.values) {
				return false
			}
		case f.key == "DataType":
			if !ssmMatch("Equals", p.dataType, f.values) {
				return false
			}
		case f.key == "Tier":
			if !ssmMatch("Equals", string(p.tier), f.values) {
				return false
			}
		case f.key == "Name":
			name := p.name
			if f.option == "BeginsWith" && !strings.HasPrefix(name, "/") {
				name = "/" + name
			}
			if !ssmMatch(f.option, p.name, f.values) && !ssmMatch(f.option, name, f.values) {
				return false
			}
		case f.key == "Path":
			ok := false
			for _, v := range f.values {
				prefix := strings.TrimSuffix(v, "/") + "/"
				if strings.HasPrefix(p.name, prefix) && (f.option == "Recursive" || !strings.Contains(p.name[len(prefix):], "/")) {
					ok = true
				}
			}
			if !ok {
				return false
			}
		case f.key == "Label":
			return false // version labels are not emulated: no parameter has one
		case strings.HasPrefix(f.key, "tag:"):
			v, ok := p.tags[strings.TrimPrefix(f.key, "tag:")]
			if !ok || (len(f.values) > 0 && !ssmMatch(f.option, v, f.values)) {
				return false
			}
		}
	}
	return true
}

func (s *ssmService) GetParametersByPath(c *Call, in *ssm.GetParametersByPathInput) (*ssm.GetParametersByPathOutput, error) {
	path := aws.ToString(in.Path)
	if !strings.HasPrefix(path, "/") || strings.Contains(path, "//") {
		return nil, ssmValidation("The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.")
	}
	if strings.Count(strings.TrimSuffix(path, "/"), "/") > 15 {
		return nil, Errorf("HierarchyLevelLimitExceededException", "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.")
	}
	var max int32
	if in.MaxResults != nil {
		max = *in.MaxResults
		if max < 1 || max > 10 {
			return nil, ssmValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10", max)
		}
	}
	filters, apiErr := ssmParseFilters(in.ParameterFilters, []string{"Type", "KeyId", "Label"})
	if apiErr != nil {
		return nil, apiErr
	}
	prefix := strings.TrimSuffix(path, "/") + "/"
	// The public parameters live in AWS's own namespace, reachable only
	// under /aws/.
	set := s.params
	if strings.HasPrefix(prefix, "/aws/") {
		set = s.public
	}
	var matched []*ssmParam
	for name, p := range set {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if !aws.ToBool(in.Recursive) && strings.Contains(name[len(prefix):], "/") {
			continue
		}
		if !p.matches(filters) {
			continue
		}
		matched = append(matched, p)
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

func (s *ssmService) DescribeParameters(c *Call, in *ssm.DescribeParametersInput) (*ssm.DescribeParametersOutput, error) {
	var max int32
	if in.MaxResults != nil {
		max = *in.MaxResults
		if max < 1 || max > 50 {
			return nil, ssmValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50", max)
		}
	}
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, ssmValidation("You can use either Filters or ParameterFilters in a single request.")
	}
	if aws.ToBool(in.Shared) {
		return &ssm.DescribeParametersOutput{Parameters: []ssmtypes.ParameterMetadata{}}, nil // nothing is shared with this account
	}
	filters, apiErr := ssmParseFilters(in.ParameterFilters, []string{"Name", "Type", "KeyId", "Path", "DataType", "Tier", "Label"})
	if apiErr != nil {
		return nil, apiErr
	}
	for _, f := range in.Filters {
		key := string(f.Key)
		if key != "Name" && key != "Type" && key != "KeyId" {
			return nil, Errorf("InvalidFilterKey", "The following filter key is not valid: %s. Valid filter keys include: [Name, Type, KeyId].", key)
		}
		filters = append(filters, ssmFilter{key: key, option: "Equals", values: f.Values})
	}
	var matched []*ssmParam
	for _, p := range s.params {
		if p.matches(filters) {
			matched = append(matched, p)
		}
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].name < matched[j].name })
	page, next, err := Paginate(matched, in.NextToken, max, 10)
	if err != nil {
		return nil, Errorf("InvalidNextToken", "The specified token is invalid.")
	}
	out := &ssm.DescribeParametersOutput{Parameters: []ssmtypes.ParameterMetadata{}, NextToken: next}
	for _, p := range page {
		v := p.versions[len(p.versions)-1]
		m := ssmtypes.ParameterMetadata{
			Name: aws.String(p.name), ARN: aws.String(s.arn(p)), Type: p.typ, DataType: aws.String(p.dataType), Tier: p.tier,
			Version: int64(len(p.versions)), LastModifiedDate: aws.Time(v.modified), LastModifiedUser: aws.String(v.user),
			Policies: []ssmtypes.ParameterInlinePolicy{},
		}
		if p.description != "" {
			m.Description = aws.String(p.description)
		}
		if p.keyID != "" {
			m.KeyId = aws.String(p.keyID)
		}
		if p.allowedPattern != "" {
			m.AllowedPattern = aws.String(p.allowedPattern)
		}
		out.Parameters = append(out.Parameters, m)
	}
	return out, nil
}

// --- tags ---------------------------------------------------------------------

// tagged finds the parameter a tagging call names.
func (s *ssmService) tagged(typ ssmtypes.ResourceTypeForTagging, id string) (*ssmParam, *APIError) {
	if typ != ssmtypes.ResourceTypeForTaggingParameter {
		return nil, Errorf("InvalidResourceType", "The resource type is not valid: only Parameter resources are emulated, not %s.", typ)
	}
	p := s.params[id] // the parameter's name, not its ARN
	if p == nil {
		return nil, Errorf("InvalidResourceId", "The resource ID %s is not valid. Verify that you entered the correct ID and try again.", id)
	}
	return p, nil
}

func (s *ssmService) AddTagsToResource(c *Call, in *ssm.AddTagsToResourceInput) (*ssm.AddTagsToResourceOutput, error) {
	p, err := s.tagged(in.ResourceType, aws.ToString(in.ResourceId))
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, ssmValidation("1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	added := 0
	for _, t := range in.Tags {
		if _, ok := p.tags[aws.ToString(t.Key)]; !ok {
			added++
		}
	}
	if err := ssmCheckTags(in.Tags, len(p.tags)+added-len(in.Tags)); err != nil {
		return nil, err
	}
	if p.tags == nil {
		p.tags = map[string]string{}
	}
	for _, t := range in.Tags {
		p.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return &ssm.AddTagsToResourceOutput{}, nil
}

func (s *ssmService) RemoveTagsFromResource(c *Call, in *ssm.RemoveTagsFromResourceInput) (*ssm.RemoveTagsFromResourceOutput, error) {
	p, err := s.tagged(in.ResourceType, aws.ToString(in.ResourceId))
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(p.tags, k)
	}
	if len(p.tags) == 0 {
		p.tags = nil
	}
	return &ssm.RemoveTagsFromResourceOutput{}, nil
}

func (s *ssmService) ListTagsForResource(c *Call, in *ssm.ListTagsForResourceInput) (*ssm.ListTagsForResourceOutput, error) {
	p, err := s.tagged(in.ResourceType, aws.ToString(in.ResourceId))
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(p.tags))
	for k := range p.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &ssm.ListTagsForResourceOutput{TagList: []ssmtypes.Tag{}}
	for _, k := range keys {
		out.TagList = append(out.TagList, ssmtypes.Tag{Key: aws.String(k), Value: aws.String(p.tags[k])})
	}
	return out, nil
}

// Inventory lists the account's parameters (not the public ones), so leak
// checks see credentials a deployment left behind.
func (s *ssmService) Inventory(now time.Time) []Resource {
	var out []Resource
	for _, p := range s.params {
		out = append(out, Resource{Service: "ssm", Region: s.region, Type: "parameter", ID: p.name, State: string(p.typ), Tags: p.tags})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ---- for other emulated parts

// SSMParameterValues returns the current (decrypted) values of the account's
// parameters under a path (recursively) in a region, by name. It takes the
// emulator lock: do not call it from a handler. The data plane reads the
// credentials a deployment stored under /geusemaker/<name>/ with it.
func (e *Emulator) SSMParameterValues(region, path string) map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.existingPeer("ssm", region).(*ssmService)
	if !ok {
		return map[string]string{}
	}
	prefix := strings.TrimSuffix(path, "/") + "/"
	out := map[string]string{}
	for name, p := range s.params {
		if strings.HasPrefix(name, prefix) {
			out[name] = p.versions[len(p.versions)-1].value
		}
	}
	return out
}
