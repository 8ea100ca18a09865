package awsemu

import (
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// iamService emulates the IAM roles, inline and AWS-managed policies and
// instance profiles the provider creates for its instance, and tells EC2
// (through InstanceProfiles) which profiles RunInstances may use.
//
// IAM is global: one instance serves every region. Names are unique without
// regard to case, as in IAM. Policy documents are stored as submitted and
// returned URL-encoded (RFC 3986), as the real API returns them.
//
// Knobs:
//
//	iam.propagation  how long a change to an instance profile (creation, a
//	                 role added or removed, deletion) takes to become visible
//	                 to EC2 RunInstances (default 8s; "never" keeps changes
//	                 invisible). Until then RunInstances fails with EC2's
//	                 InvalidParameterValue messages.
type iamService struct {
	e        *Emulator
	roles    map[string]*iamRole         // key: lower-case name
	profiles map[string]*iamProfile      // key: lower-case name
	users    map[string]*iamUser         // key: lower-case name
	oidc     map[string]*iamOIDCProvider // key: ARN
	// ec2View is the history of each instance profile as EC2 sees it, with
	// the propagation delay applied at read time.
	ec2View map[string][]iamProfileSnap
}

type iamRole struct {
	name, path, id, arn string
	trust, description  string
	maxSession          int32
	created             time.Time
	tags                iamTags
	inline              map[string]string // policy name → document
	inlineOrder         []string
	attached            []string // managed policy ARNs, in attach order
}

type iamProfile struct {
	name, path, id, arn string
	created             time.Time
	role                string // lower-case role name, "" when empty
	tags                iamTags
}

type iamProfileSnap struct {
	at      time.Time
	exists  bool
	arn, id string
	roles   []string
}

// iamManagedPolicy is an AWS-managed policy every account can attach.
type iamManagedPolicy struct {
	name, path, id, description, version, document string
	created, updated                               time.Time
}

func (p iamManagedPolicy) arn() string { return "arn:aws:iam::aws:policy" + p.path + p.name }

var iamManagedPolicies = []iamManagedPolicy{
	{name: "AmazonSSMManagedInstanceCore", path: "/", id: "ANPAIXSHM2BNB2D3AXXRU", version: "v2",
		description: "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.",
		created:     time.Date(2019, 3, 15, 17, 22, 12, 0, time.UTC), updated: time.Date(2023, 3, 15, 17, 27, 22, 0, time.UTC),
		document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:DescribeAssociation","ssm:GetDeployablePatchSnapshotForInstance","ssm:GetDocument","ssm:DescribeDocument","ssm:GetManifest","ssm:GetParameter","ssm:GetParameters","ssm:ListAssociations","ssm:ListInstanceAssociations","ssm:PutInventory","ssm:PutComplianceItems","ssm:PutConfigurePackageResult","ssm:UpdateAssociationStatus","ssm:UpdateInstanceAssociationStatus","ssm:UpdateInstanceInformation"],"Resource":"*"},{"Effect":"Allow","Action":["ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel"],"Resource":"*"},{"Effect":"Allow","Action":["ec2messages:AcknowledgeMessage","ec2messages:DeleteMessage","ec2messages:FailMessage","ec2messages:GetEndpoint","ec2messages:GetMessages","ec2messages:SendReply"],"Resource":"*"}]}`},
	{name: "AmazonEC2ContainerRegistryReadOnly", path: "/", id: "ANPAIFYZPA37OOHVIH7KQ", version: "v3",
		description: "Provides read-only access to Amazon EC2 Container Registry repositories.",
		created:     time.Date(2015, 12, 21, 17, 4, 15, 0, time.UTC), updated: time.Date(2019, 12, 12, 18, 19, 37, 0, time.UTC),
		document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:GetRepositoryPolicy","ecr:DescribeRepositories","ecr:ListImages","ecr:DescribeImages","ecr:BatchGetImage","ecr:GetLifecyclePolicy","ecr:GetLifecyclePolicyPreview","ecr:ListTagsForResource","ecr:DescribeImageScanFindings"],"Resource":"*"}]}`},
	{name: "CloudWatchAgentServerPolicy", path: "/", id: "ANPAIGOPKN7KRDAKTLG4I", version: "v2",
		description: "Permissions required to use AmazonCloudWatchAgent on servers",
		created:     time.Date(2017, 8, 31, 0, 8, 46, 0, time.UTC), updated: time.Date(2023, 2, 2, 18, 33, 42, 0, time.UTC),
		document: `{"Version":"2012-10-17","Statement":[{"Sid":"CWACloudWatchServerPermissions","Effect":"Allow","Action":["cloudwatch:PutMetricData","ec2:DescribeVolumes","ec2:DescribeTags","logs:PutLogEvents","logs:PutRetentionPolicy","logs:DescribeLogStreams","logs:DescribeLogGroups","logs:CreateLogStream","logs:CreateLogGroup","xray:PutTraceSegments","xray:PutTelemetryRecords","xray:GetSamplingRules","xray:GetSamplingTargets","xray:GetSamplingStatisticSummaries"],"Resource":"*"},{"Sid":"CWASSMServerPermissions","Effect":"Allow","Action":["ssm:GetParameter"],"Resource":"arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"}]}`},
	{name: "AmazonElasticFileSystemClientReadWriteAccess", path: "/", id: "ANPAZKAPJZG4BKXX7VBBQ", version: "v1",
		description: "Provides read write client access to an Amazon EFS file system.",
		created:     time.Date(2020, 1, 6, 18, 17, 5, 0, time.UTC), updated: time.Date(2020, 1, 6, 18, 17, 5, 0, time.UTC),
		document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["elasticfilesystem:ClientMount","elasticfilesystem:ClientWrite","elasticfilesystem:DescribeMountTargets"],"Resource":"*"}]}`},
	{name: "AmazonElasticFileSystemClientFullAccess", path: "/", id: "ANPAZKAPJZG4BQWHSPZNA", version: "v1",
		description: "Provides read, write and root access to an Amazon EFS file system.",
		created:     time.Date(2020, 1, 6, 18, 15, 42, 0, time.UTC), updated: time.Date(2020, 1, 6, 18, 15, 42, 0, time.UTC),
		document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["elasticfilesystem:ClientMount","elasticfilesystem:ClientRootAccess","elasticfilesystem:ClientWrite","elasticfilesystem:DescribeMountTargets"],"Resource":"*"}]}`},
	{name: "AmazonS3ReadOnlyAccess", path: "/", id: "ANPAIZTJ4DXE7G6AGAE6M", version: "v3",
		description: "Provides read only access to all buckets via the AWS Management Console.",
		created:     time.Date(2015, 2, 6, 18, 40, 59, 0, time.UTC), updated: time.Date(2023, 8, 10, 21, 31, 39, 0, time.UTC),
		document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}`},
}

// AWS-managed policies that grant broadly, with their documents as AWS
// publishes them (the authorization layer evaluates them).
func init() {
	day := time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)
	iamManagedPolicies = append(iamManagedPolicies,
		iamManagedPolicy{name: "AdministratorAccess", path: "/", id: "ANPAIWMBCKSKIEE64ZLYK", version: "v1",
			description: "Provides full access to AWS services and resources.", created: day, updated: day,
			document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		iamManagedPolicy{name: "PowerUserAccess", path: "/", id: "ANPAJYRXTHIB4FOVS3ZXS", version: "v5",
			description: "Provides full access to AWS services and resources, but does not allow management of Users and groups.", created: day, updated: day,
			document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["account:GetAccountInformation","account:GetPrimaryEmail","account:ListRegions","iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization"],"Resource":"*"}]}`},
		iamManagedPolicy{name: "IAMReadOnlyAccess", path: "/", id: "ANPAJKSO7NDY4T57MWDSQ", version: "v4",
			description: "Provides read only access to IAM via the AWS Management Console.", created: day, updated: day,
			document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`},
	)
}

// More AWS-managed policies, so that the ten-per-role attachment quota can be
// reached with real names.
func init() {
	day := time.Date(2015, 2, 6, 18, 40, 0, 0, time.UTC)
	for _, p := range []struct{ name, id, desc, action string }{
		{"AmazonSSMReadOnlyAccess", "ANPAJODSKQGGJTHRYZ5FC", "Provides read only access to Amazon SSM.", "ssm:Describe*"},
		{"AmazonSSMFullAccess", "ANPAJA7V6HI4ISQFMDYAG", "Provides full access to Amazon SSM.", "ssm:*"},
		{"AmazonEC2ReadOnlyAccess", "ANPAIGDT4SV4GSETWTBZK", "Provides read only access to Amazon EC2 via the AWS Management Console.", "ec2:Describe*"},
		{"AmazonS3FullAccess", "ANPAIFIR6V6BVTRAHWINE", "Provides full access to all buckets via the AWS Management Console.", "s3:*"},
		{"CloudWatchLogsFullAccess", "ANPAIBXRM5N6ZJC2PDWXG", "Provides full access to CloudWatch Logs", "logs:*"},
		{"AmazonElasticFileSystemReadOnlyAccess", "ANPAIPN5S4NE5JJOKVC4Y", "Provides read only access to Amazon EFS via the AWS Management Console.", "elasticfilesystem:Describe*"},
		{"ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ", "Provides read-only access to AWS services and resources.", "*:Get*"},
		{"CloudWatchAgentAdminPolicy", "ANPAICMXPKT7EBAF6KR3O", "Full permissions required to use AmazonCloudWatchAgent.", "cloudwatch:PutMetricData"},
	} {
		iamManagedPolicies = append(iamManagedPolicies, iamManagedPolicy{
			name: p.name, path: "/", id: p.id, version: "v1", description: p.desc, created: day, updated: day,
			document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + p.action + `"],"Resource":"*"}]}`,
		})
	}
}

func iamManagedPolicyByARN(arn string) (iamManagedPolicy, bool) {
	for _, p := range iamManagedPolicies {
		if p.arn() == arn {
			return p, true
		}
	}
	return iamManagedPolicy{}, false
}

func init() {
	Register(ServiceInfo{
		Name:         "iam",
		SigningName:  "iam",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/iam",
		Global:       true,
		XMLNamespace: "https://iam.amazonaws.com/doc/2010-05-08/",
		ThrottleCode: "Throttling",
	}, func(e *Emulator, _ string) *iamService {
		return &iamService{e: e, roles: map[string]*iamRole{}, profiles: map[string]*iamProfile{}, ec2View: map[string][]iamProfileSnap{},
			users: map[string]*iamUser{}, oidc: map[string]*iamOIDCProvider{}}
	})
}

const (
	iamMaxTags          = 50
	iamMaxInlinePerRole = 10240
)

var (
	iamNamePattern       = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamPathPattern       = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	iamPathPrefixPattern = regexp.MustCompile(`^/[\x21-\x7F]*$`)
	iamPolicyARNPattern  = regexp.MustCompile(`^arn:aws:iam::(aws|\d{12}):policy/`)
)

// ---- errors

func iamNoSuchEntity(format string, args ...any) *APIError {
	return ErrorfStatus(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func iamConflict(code, format string, args ...any) *APIError {
	return ErrorfStatus(http.StatusConflict, code, format, args...)
}

// taggingPattern is the characters IAM, EFS, SSM, ELB and CloudFront allow
// in tag keys and values (EC2 alone allows any).
var taggingPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

const taggingPatternText = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`

func iamValidation(field, value, constraint string) *APIError {
	return Errorf("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

func iamCheckName(field, name string, max int) *APIError {
	if len(name) < 1 || len(name) > max {
		return iamValidation(field, name, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
	if !iamNamePattern.MatchString(name) {
		return iamValidation(field, name, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return nil
}

func iamCheckPath(p *string) (string, *APIError) {
	if p == nil {
		return "/", nil
	}
	if len(*p) > 512 || !iamPathPattern.MatchString(*p) {
		return "", iamValidation("path", *p, `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return *p, nil
}

func iamCheckPathPrefix(p *string) (string, *APIError) {
	if p == nil {
		return "/", nil
	}
	if len(*p) > 512 || !iamPathPrefixPattern.MatchString(*p) {
		return "", iamValidation("pathPrefix", *p, `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return *p, nil
}

// iamPage pages a listing with IAM's Marker/MaxItems (1..1000, default 100).
func iamPage[T any](items []T, marker *string, maxItems *int32) ([]T, *string, bool, *APIError) {
	var max int32
	if maxItems != nil {
		if *maxItems < 1 {
			return nil, nil, false, iamValidation("maxItems", strconv.Itoa(int(*maxItems)), "Member must have value greater than or equal to 1")
		}
		if *maxItems > 1000 {
			return nil, nil, false, iamValidation("maxItems", strconv.Itoa(int(*maxItems)), "Member must have value less than or equal to 1000")
		}
		max = *maxItems
	}
	page, next, err := Paginate(items, marker, max, 100)
	if err != nil {
		return nil, nil, false, Errorf("ValidationError", "Invalid Marker: %s", aws.ToString(marker))
	}
	return page, next, next != nil, nil
}

// ---- policy documents

// iamEscape encodes a policy document the way IAM returns it: RFC 3986
// percent-encoding of everything but the unreserved characters.
func iamEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// iamValidatePolicy checks a policy document the way IAM's policy grammar
// does for the cases a client is likely to get wrong. A trust policy must
// name principals and must not name resources; an identity policy the other
// way round.
func iamValidatePolicy(doc string, trust bool) *APIError {
	malformed := func(msg string) *APIError { return Errorf("MalformedPolicyDocument", "%s", msg) }
	raw, err := decodeJSONAny([]byte(doc))
	if err != nil {
		return malformed("This policy contains invalid Json")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return malformed("This policy contains invalid Json")
	}
	for k := range obj {
		switch k {
		case "Version", "Id", "Statement":
		default:
			return malformed("Syntax errors in policy.")
		}
	}
	if v, ok := obj["Version"]; ok {
		if s, _ := v.(string); s != "2012-10-17" && s != "2008-10-17" {
			return malformed("The policy failed legacy parsing")
		}
	}
	var stmts []any
	switch st := obj["Statement"].(type) {
	case []any:
		stmts = st
	case map[string]any:
		stmts = []any{st}
	default:
		return malformed("Syntax errors in policy.")
	}
	if len(stmts) == 0 {
		return malformed("Syntax errors in policy.")
	}
	for _, s := range stmts {
		st, ok := s.(map[string]any)
		if !ok {
			return malformed("Syntax errors in policy.")
		}
		for k := range st {
			switch k {
			case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
			default:
				return malformed("Syntax errors in policy.")
			}
		}
		if e, _ := st["Effect"].(string); e != "Allow" && e != "Deny" {
			if _, ok := st["Effect"]; !ok {
				return malformed("Missing required field Effect")
			}
			return malformed("Invalid effect: " + e)
		}
		_, hasAction := st["Action"]
		_, hasNotAction := st["NotAction"]
		if !hasAction && !hasNotAction {
			return malformed("Policy statement must contain actions.")
		}
		_, hasPrincipal := st["Principal"]
		_, hasNotPrincipal := st["NotPrincipal"]
		_, hasResource := st["Resource"]
		_, hasNotResource := st["NotResource"]
		if trust {
			if hasResource || hasNotResource {
				return malformed("Has prohibited field Resource")
			}
			if !hasPrincipal && !hasNotPrincipal {
				return malformed("Missing required field Principal")
			}
		} else {
			if hasPrincipal || hasNotPrincipal {
				return malformed("Policy document should not specify a principal.")
			}
			if !hasResource && !hasNotResource {
				return malformed("Policy statement must contain resources.")
			}
		}
	}
	return nil
}

// ---- tags

// iamTags keeps tags in the order they were first set, as IAM lists them.
type iamTags struct {
	keys []string
	vals map[string]string
}

func (t *iamTags) set(k, v string) {
	if t.vals == nil {
		t.vals = map[string]string{}
	}
	for _, e := range t.keys {
		if strings.EqualFold(e, k) { // tag keys are case-insensitive in IAM
			delete(t.vals, e)
			t.keys = slicesReplace(t.keys, e, k)
			t.vals[k] = v
			return
		}
	}
	t.keys = append(t.keys, k)
	t.vals[k] = v
}

func slicesReplace(s []string, old, repl string) []string {
	for i := range s {
		if s[i] == old {
			s[i] = repl
		}
	}
	return s
}

func (t *iamTags) remove(k string) {
	for i, e := range t.keys {
		if strings.EqualFold(e, k) {
			t.keys = append(t.keys[:i], t.keys[i+1:]...)
			delete(t.vals, e)
			return
		}
	}
}

func (t *iamTags) list() []iamtypes.Tag {
	if len(t.keys) == 0 {
		return nil
	}
	out := make([]iamtypes.Tag, len(t.keys))
	for i, k := range t.keys {
		out[i] = iamtypes.Tag{Key: aws.String(k), Value: aws.String(t.vals[k])}
	}
	return out
}

func (t *iamTags) asMap() map[string]string {
	if len(t.keys) == 0 {
		return nil
	}
	out := make(map[string]string, len(t.keys))
	for k, v := range t.vals {
		out[k] = v
	}
	return out
}

// iamApplyTags validates and applies tags; quota names the per-entity quota
// (TagsPerRole, TagsPerInstanceProfile).
func iamApplyTags(t *iamTags, tags []iamtypes.Tag, quota string) *APIError {
	seen := map[string]bool{}
	for _, tg := range tags {
		k, v := aws.ToString(tg.Key), aws.ToString(tg.Value)
		if len(k) < 1 || len(k) > 128 {
			return iamValidation("tags.member.key", k, "Member must have length less than or equal to 128")
		}
		if len(v) > 256 {
			return iamValidation("tags.member.value", v, "Member must have length less than or equal to 256")
		}
		if !taggingPattern.MatchString(k) {
			return iamValidation("tags.member.key", k, "Member must satisfy regular expression pattern: "+taggingPatternText)
		}
		if !taggingPattern.MatchString(v) {
			return iamValidation("tags.member.value", v, "Member must satisfy regular expression pattern: "+taggingPatternText)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return Errorf("InvalidInput", "User-defined tags can't start with 'aws:'.")
		}
		lk := strings.ToLower(k)
		if seen[lk] {
			return Errorf("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[lk] = true
	}
	next := iamTags{keys: append([]string(nil), t.keys...), vals: t.asMap()}
	for _, tg := range tags {
		next.set(aws.ToString(tg.Key), aws.ToString(tg.Value))
	}
	if len(next.keys) > iamMaxTags {
		return iamConflict("LimitExceeded", "Cannot exceed quota for %s: %d", quota, iamMaxTags)
	}
	*t = next
	return nil
}

// ---- lookups

func (s *iamService) role(name string) (*iamRole, *APIError) {
	r := s.roles[strings.ToLower(name)]
	if r == nil {
		return nil, iamNoSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func (s *iamService) profile(name string) (*iamProfile, *APIError) {
	p := s.profiles[strings.ToLower(name)]
	if p == nil {
		return nil, iamNoSuchEntity("Instance Profile %s cannot be found.", name)
	}
	return p, nil
}

func (r *iamRole) view(withTags bool) iamtypes.Role {
	out := iamtypes.Role{
		Arn: aws.String(r.arn), RoleName: aws.String(r.name), RoleId: aws.String(r.id), Path: aws.String(r.path),
		CreateDate: aws.Time(r.created), AssumeRolePolicyDocument: aws.String(iamEscape(r.trust)),
		MaxSessionDuration: aws.Int32(r.maxSession),
	}
	if r.description != "" {
		out.Description = aws.String(r.description)
	}
	if withTags {
		out.Tags = r.tags.list()
	}
	return out
}

func (s *iamService) profileView(p *iamProfile, withTags bool) iamtypes.InstanceProfile {
	out := iamtypes.InstanceProfile{
		Arn: aws.String(p.arn), InstanceProfileName: aws.String(p.name), InstanceProfileId: aws.String(p.id),
		Path: aws.String(p.path), CreateDate: aws.Time(p.created), Roles: []iamtypes.Role{},
	}
	if r := s.roles[p.role]; r != nil {
		out.Roles = append(out.Roles, r.view(false))
	}
	if withTags {
		out.Tags = p.tags.list()
	}
	return out
}

func (s *iamService) profilesOf(roleKey string) []*iamProfile {
	var out []*iamProfile
	for _, p := range s.profiles {
		if p.role == roleKey {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// ---- roles

func (s *iamService) CreateRole(c *Call, in *iam.CreateRoleInput) (*iam.CreateRoleOutput, error) {
	name := aws.ToString(in.RoleName)
	if err := iamCheckName("roleName", name, 64); err != nil {
		return nil, err
	}
	path, err := iamCheckPath(in.Path)
	if err != nil {
		return nil, err
	}
	if len(aws.ToString(in.Description)) > 1000 {
		return nil, iamValidation("description", aws.ToString(in.Description), "Member must have length less than or equal to 1000")
	}
	maxSession := int32(3600)
	if in.MaxSessionDuration != nil {
		maxSession = *in.MaxSessionDuration
		if maxSession < 3600 {
			return nil, iamValidation("maxSessionDuration", strconv.Itoa(int(maxSession)), "Member must have value greater than or equal to 3600")
		}
		if maxSession > 43200 {
			return nil, iamValidation("maxSessionDuration", strconv.Itoa(int(maxSession)), "Member must have value less than or equal to 43200")
		}
	}
	doc := aws.ToString(in.AssumeRolePolicyDocument)
	if limit := s.e.quotaInt(quotaIAMRoleTrustPolicyLen); nonWhitespaceLen(doc) > limit {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %d", limit)
	}
	if err := iamValidatePolicy(doc, true); err != nil {
		return nil, err
	}
	if s.roles[strings.ToLower(name)] != nil {
		return nil, iamConflict("EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	if limit := s.e.quotaInt(quotaIAMRoles); len(s.roles) >= limit {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for RolesPerAccount: %d", limit)
	}
	r := &iamRole{
		name: name, path: path, id: "AROA" + s.e.AlnumID("iam-role", 17),
		arn: "arn:aws:iam::" + c.Account() + ":role" + path + name, trust: doc,
		description: aws.ToString(in.Description), maxSession: maxSession, created: c.Now(),
		inline: map[string]string{},
	}
	if err := iamApplyTags(&r.tags, in.Tags, "TagsPerRole"); err != nil {
		return nil, err
	}
	s.roles[strings.ToLower(name)] = r
	v := r.view(true)
	return &iam.CreateRoleOutput{Role: &v}, nil
}

func (s *iamService) GetRole(c *Call, in *iam.GetRoleInput) (*iam.GetRoleOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	v := r.view(true)
	return &iam.GetRoleOutput{Role: &v}, nil
}

func (s *iamService) DeleteRole(c *Call, in *iam.DeleteRoleInput) (*iam.DeleteRoleOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(r.name)
	if len(s.profilesOf(key)) > 0 {
		return nil, iamConflict("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	}
	if len(r.attached) > 0 {
		return nil, iamConflict("DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	if len(r.inline) > 0 {
		return nil, iamConflict("DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	delete(s.roles, key)
	return &iam.DeleteRoleOutput{}, nil
}

func (s *iamService) ListRoles(c *Call, in *iam.ListRolesInput) (*iam.ListRolesOutput, error) {
	prefix, err := iamCheckPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	var all []*iamRole
	for _, r := range s.roles {
		if strings.HasPrefix(r.path, prefix) {
			all = append(all, r)
		}
	}
	sort.Slice(all, func(i, j int) bool { return strings.ToLower(all[i].name) < strings.ToLower(all[j].name) })
	page, next, truncated, err := iamPage(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iam.ListRolesOutput{Roles: []iamtypes.Role{}, IsTruncated: truncated, Marker: next}
	for _, r := range page {
		// ListRoles leaves out tags, as the real listing does.
		out.Roles = append(out.Roles, r.view(false))
	}
	return out, nil
}

func (s *iamService) TagRole(c *Call, in *iam.TagRoleInput) (*iam.TagRoleOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	if err := iamApplyTags(&r.tags, in.Tags, "TagsPerRole"); err != nil {
		return nil, err
	}
	return &iam.TagRoleOutput{}, nil
}

func (s *iamService) UntagRole(c *Call, in *iam.UntagRoleInput) (*iam.UntagRoleOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		r.tags.remove(k)
	}
	return &iam.UntagRoleOutput{}, nil
}

func (s *iamService) ListRoleTags(c *Call, in *iam.ListRoleTagsInput) (*iam.ListRoleTagsOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	page, next, truncated, err := iamPage(r.tags.list(), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []iamtypes.Tag{}
	}
	return &iam.ListRoleTagsOutput{Tags: page, IsTruncated: truncated, Marker: next}, nil
}

func (s *iamService) UpdateAssumeRolePolicy(c *Call, in *iam.UpdateAssumeRolePolicyInput) (*iam.UpdateAssumeRolePolicyOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	doc := aws.ToString(in.PolicyDocument)
	if limit := s.e.quotaInt(quotaIAMRoleTrustPolicyLen); nonWhitespaceLen(doc) > limit {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %d", limit)
	}
	if err := iamValidatePolicy(doc, true); err != nil {
		return nil, err
	}
	r.trust = doc
	return &iam.UpdateAssumeRolePolicyOutput{}, nil
}

// ---- inline policies

func (s *iamService) PutRolePolicy(c *Call, in *iam.PutRolePolicyInput) (*iam.PutRolePolicyOutput, error) {
	name := aws.ToString(in.PolicyName)
	if err := iamCheckName("policyName", name, 128); err != nil {
		return nil, err
	}
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	doc := aws.ToString(in.PolicyDocument)
	if err := iamValidatePolicy(doc, false); err != nil {
		return nil, err
	}
	// IAM measures the size of a role's inline policies together, without
	// white space.
	total := nonWhitespaceLen(doc)
	for n, d := range r.inline {
		if n != name {
			total += nonWhitespaceLen(d)
		}
	}
	if total > iamMaxInlinePerRole {
		return nil, iamConflict("LimitExceeded", "Maximum policy size of %d bytes exceeded for role %s", iamMaxInlinePerRole, r.name)
	}
	if _, ok := r.inline[name]; !ok {
		r.inlineOrder = append(r.inlineOrder, name)
	}
	r.inline[name] = doc
	return &iam.PutRolePolicyOutput{}, nil
}

func (s *iamService) GetRolePolicy(c *Call, in *iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.PolicyName)
	doc, ok := r.inline[name]
	if !ok {
		return nil, iamNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return &iam.GetRolePolicyOutput{RoleName: aws.String(r.name), PolicyName: aws.String(name), PolicyDocument: aws.String(iamEscape(doc))}, nil
}

func (s *iamService) DeleteRolePolicy(c *Call, in *iam.DeleteRolePolicyInput) (*iam.DeleteRolePolicyOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.PolicyName)
	if _, ok := r.inline[name]; !ok {
		return nil, iamNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	delete(r.inline, name)
	for i, n := range r.inlineOrder {
		if n == name {
			r.inlineOrder = append(r.inlineOrder[:i], r.inlineOrder[i+1:]...)
			break
		}
	}
	return &iam.DeleteRolePolicyOutput{}, nil
}

func (s *iamService) ListRolePolicies(c *Call, in *iam.ListRolePoliciesInput) (*iam.ListRolePoliciesOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	names := append([]string(nil), r.inlineOrder...)
	sort.Strings(names)
	page, next, truncated, err := iamPage(names, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []string{}
	}
	return &iam.ListRolePoliciesOutput{PolicyNames: page, IsTruncated: truncated, Marker: next}, nil
}

// ---- managed policies

func (s *iamService) attachmentCount(arn string) int32 {
	var n int32
	for _, r := range s.roles {
		for _, a := range r.attached {
			if a == arn {
				n++
			}
		}
	}
	for _, u := range s.users {
		for _, a := range u.attached {
			if a == arn {
				n++
			}
		}
	}
	return n
}

func (s *iamService) managedPolicy(arn string) (iamManagedPolicy, *APIError) {
	if !iamPolicyARNPattern.MatchString(arn) {
		return iamManagedPolicy{}, Errorf("InvalidInput", "ARN %s is not valid.", arn)
	}
	p, ok := iamManagedPolicyByARN(arn)
	if !ok {
		return p, iamNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return p, nil
}

func (s *iamService) GetPolicy(c *Call, in *iam.GetPolicyInput) (*iam.GetPolicyOutput, error) {
	arn := aws.ToString(in.PolicyArn)
	if !iamPolicyARNPattern.MatchString(arn) {
		return nil, Errorf("InvalidInput", "ARN %s is not valid.", arn)
	}
	p, ok := iamManagedPolicyByARN(arn)
	if !ok {
		return nil, iamNoSuchEntity("Policy %s was not found.", arn)
	}
	return &iam.GetPolicyOutput{Policy: &iamtypes.Policy{
		Arn: aws.String(arn), PolicyName: aws.String(p.name), PolicyId: aws.String(p.id), Path: aws.String(p.path),
		DefaultVersionId: aws.String(p.version), Description: aws.String(p.description), IsAttachable: true,
		AttachmentCount: aws.Int32(s.attachmentCount(arn)), PermissionsBoundaryUsageCount: aws.Int32(0),
		CreateDate: aws.Time(p.created), UpdateDate: aws.Time(p.updated),
	}}, nil
}

func (s *iamService) GetPolicyVersion(c *Call, in *iam.GetPolicyVersionInput) (*iam.GetPolicyVersionOutput, error) {
	arn := aws.ToString(in.PolicyArn)
	if !iamPolicyARNPattern.MatchString(arn) {
		return nil, Errorf("InvalidInput", "ARN %s is not valid.", arn)
	}
	p, ok := iamManagedPolicyByARN(arn)
	version := aws.ToString(in.VersionId)
	if !ok || version != p.version {
		return nil, iamNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, version)
	}
	return &iam.GetPolicyVersionOutput{PolicyVersion: &iamtypes.PolicyVersion{
		Document: aws.String(iamEscape(p.document)), VersionId: aws.String(p.version), IsDefaultVersion: true, CreateDate: aws.Time(p.updated),
	}}, nil
}

func (s *iamService) AttachRolePolicy(c *Call, in *iam.AttachRolePolicyInput) (*iam.AttachRolePolicyOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.PolicyArn)
	if _, err := s.managedPolicy(arn); err != nil {
		return nil, err
	}
	for _, a := range r.attached {
		if a == arn {
			return &iam.AttachRolePolicyOutput{}, nil // attaching twice is a no-op
		}
	}
	if limit := s.e.quotaInt(quotaIAMPoliciesPerRole); len(r.attached) >= limit {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d", limit)
	}
	r.attached = append(r.attached, arn)
	return &iam.AttachRolePolicyOutput{}, nil
}

func (s *iamService) DetachRolePolicy(c *Call, in *iam.DetachRolePolicyInput) (*iam.DetachRolePolicyOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.PolicyArn)
	if !iamPolicyARNPattern.MatchString(arn) {
		return nil, Errorf("InvalidInput", "ARN %s is not valid.", arn)
	}
	for i, a := range r.attached {
		if a == arn {
			r.attached = append(r.attached[:i], r.attached[i+1:]...)
			return &iam.DetachRolePolicyOutput{}, nil
		}
	}
	return nil, iamNoSuchEntity("Policy %s was not found.", arn)
}

func (s *iamService) ListAttachedRolePolicies(c *Call, in *iam.ListAttachedRolePoliciesInput) (*iam.ListAttachedRolePoliciesOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	prefix, err := iamCheckPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	var all []iamtypes.AttachedPolicy
	for _, a := range r.attached {
		p, _ := iamManagedPolicyByARN(a)
		if strings.HasPrefix(p.path, prefix) {
			all = append(all, iamtypes.AttachedPolicy{PolicyArn: aws.String(a), PolicyName: aws.String(p.name)})
		}
	}
	page, next, truncated, err := iamPage(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []iamtypes.AttachedPolicy{}
	}
	return &iam.ListAttachedRolePoliciesOutput{AttachedPolicies: page, IsTruncated: truncated, Marker: next}, nil
}

// ---- instance profiles

func (s *iamService) CreateInstanceProfile(c *Call, in *iam.CreateInstanceProfileInput) (*iam.CreateInstanceProfileOutput, error) {
	name := aws.ToString(in.InstanceProfileName)
	if err := iamCheckName("instanceProfileName", name, 128); err != nil {
		return nil, err
	}
	path, err := iamCheckPath(in.Path)
	if err != nil {
		return nil, err
	}
	if s.profiles[strings.ToLower(name)] != nil {
		return nil, iamConflict("EntityAlreadyExists", "Instance Profile %s already exists.", name)
	}
	if limit := s.e.quotaInt(quotaIAMInstanceProfiles); len(s.profiles) >= limit {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for InstanceProfilesPerAccount: %d", limit)
	}
	p := &iamProfile{
		name: name, path: path, id: "AIPA" + s.e.AlnumID("iam-instance-profile", 17),
		arn: "arn:aws:iam::" + c.Account() + ":instance-profile" + path + name, created: c.Now(),
	}
	if err := iamApplyTags(&p.tags, in.Tags, "TagsPerInstanceProfile"); err != nil {
		return nil, err
	}
	s.profiles[strings.ToLower(name)] = p
	s.recordProfile(c.Now(), strings.ToLower(name))
	v := s.profileView(p, true)
	return &iam.CreateInstanceProfileOutput{InstanceProfile: &v}, nil
}

func (s *iamService) GetInstanceProfile(c *Call, in *iam.GetInstanceProfileInput) (*iam.GetInstanceProfileOutput, error) {
	p, err := s.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	v := s.profileView(p, true)
	return &iam.GetInstanceProfileOutput{InstanceProfile: &v}, nil
}

func (s *iamService) DeleteInstanceProfile(c *Call, in *iam.DeleteInstanceProfileInput) (*iam.DeleteInstanceProfileOutput, error) {
	p, err := s.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	if p.role != "" {
		return nil, iamConflict("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	}
	key := strings.ToLower(p.name)
	delete(s.profiles, key)
	s.recordProfile(c.Now(), key)
	return &iam.DeleteInstanceProfileOutput{}, nil
}

func (s *iamService) AddRoleToInstanceProfile(c *Call, in *iam.AddRoleToInstanceProfileInput) (*iam.AddRoleToInstanceProfileOutput, error) {
	p, err := s.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	if p.role != "" {
		// Also when it is the same role: the quota is one role per profile.
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	}
	p.role = strings.ToLower(r.name)
	s.recordProfile(c.Now(), strings.ToLower(p.name))
	if d := s.e.KnobDuration("iam.propagation", 8*time.Second); d >= 0 {
		// EC2 sees the profile with its role once the change has propagated.
		c.change("instance-profile", p.name, "propagated", c.Now(), c.Now().Add(d), []string{p.arn},
			"ec2.RunInstances", "ec2.AssociateIamInstanceProfile", "ec2.ReplaceIamInstanceProfileAssociation")
	}
	return &iam.AddRoleToInstanceProfileOutput{}, nil
}

func (s *iamService) RemoveRoleFromInstanceProfile(c *Call, in *iam.RemoveRoleFromInstanceProfileInput) (*iam.RemoveRoleFromInstanceProfileOutput, error) {
	p, err := s.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.RoleName)
	if _, err := s.role(name); err != nil {
		return nil, err
	}
	if p.role != strings.ToLower(name) {
		return nil, iamNoSuchEntity("The role with name %s cannot be found.", name)
	}
	p.role = ""
	s.recordProfile(c.Now(), strings.ToLower(p.name))
	return &iam.RemoveRoleFromInstanceProfileOutput{}, nil
}

func (s *iamService) ListInstanceProfilesForRole(c *Call, in *iam.ListInstanceProfilesForRoleInput) (*iam.ListInstanceProfilesForRoleOutput, error) {
	r, err := s.role(aws.ToString(in.RoleName))
	if err != nil {
		return nil, err
	}
	page, next, truncated, err := iamPage(s.profilesOf(strings.ToLower(r.name)), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iam.ListInstanceProfilesForRoleOutput{InstanceProfiles: []iamtypes.InstanceProfile{}, IsTruncated: truncated, Marker: next}
	for _, p := range page {
		out.InstanceProfiles = append(out.InstanceProfiles, s.profileView(p, false))
	}
	return out, nil
}

func (s *iamService) ListInstanceProfiles(c *Call, in *iam.ListInstanceProfilesInput) (*iam.ListInstanceProfilesOutput, error) {
	prefix, err := iamCheckPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	var all []*iamProfile
	for _, p := range s.profiles {
		if strings.HasPrefix(p.path, prefix) {
			all = append(all, p)
		}
	}
	sort.Slice(all, func(i, j int) bool { return strings.ToLower(all[i].name) < strings.ToLower(all[j].name) })
	page, next, truncated, err := iamPage(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iam.ListInstanceProfilesOutput{InstanceProfiles: []iamtypes.InstanceProfile{}, IsTruncated: truncated, Marker: next}
	for _, p := range page {
		out.InstanceProfiles = append(out.InstanceProfiles, s.profileView(p, false))
	}
	return out, nil
}

func (s *iamService) TagInstanceProfile(c *Call, in *iam.TagInstanceProfileInput) (*iam.TagInstanceProfileOutput, error) {
	p, err := s.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	if err := iamApplyTags(&p.tags, in.Tags, "TagsPerInstanceProfile"); err != nil {
		return nil, err
	}
	return &iam.TagInstanceProfileOutput{}, nil
}

func (s *iamService) UntagInstanceProfile(c *Call, in *iam.UntagInstanceProfileInput) (*iam.UntagInstanceProfileOutput, error) {
	p, err := s.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		p.tags.remove(k)
	}
	return &iam.UntagInstanceProfileOutput{}, nil
}

func (s *iamService) ListInstanceProfileTags(c *Call, in *iam.ListInstanceProfileTagsInput) (*iam.ListInstanceProfileTagsOutput, error) {
	p, err := s.profile(aws.ToString(in.InstanceProfileName))
	if err != nil {
		return nil, err
	}
	page, next, truncated, err := iamPage(p.tags.list(), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []iamtypes.Tag{}
	}
	return &iam.ListInstanceProfileTagsOutput{Tags: page, IsTruncated: truncated, Marker: next}, nil
}

// ---- EC2's view (InstanceProfiles)

// recordProfile appends the profile's current state to the history EC2
// reads with the propagation delay.
func (s *iamService) recordProfile(now time.Time, key string) {
	snap := iamProfileSnap{at: now}
	if p := s.profiles[key]; p != nil {
		snap.exists, snap.arn, snap.id = true, p.arn, p.id
		if p.role != "" {
			snap.roles = []string{p.role}
		}
	}
	s.ec2View[key] = append(s.ec2View[key], snap)
}

// visible returns the state of a profile EC2 sees at now.
func (s *iamService) visible(key string, now time.Time) (iamProfileSnap, bool) {
	delay := s.e.KnobDuration("iam.propagation", 8*time.Second)
	hist := s.ec2View[key]
	var seen iamProfileSnap
	found := -1
	for i, h := range hist {
		if delay < 0 || h.at.Add(delay).After(now) {
			break
		}
		seen, found = h, i
	}
	if found > 0 {
		// Older states can never be seen again.
		s.ec2View[key] = hist[found:]
	}
	if found < 0 || !seen.exists {
		if found >= 0 && len(s.ec2View[key]) == 1 {
			delete(s.ec2View, key)
		}
		return iamProfileSnap{}, false
	}
	return seen, true
}

// ResolveInstanceProfile implements InstanceProfiles for EC2 RunInstances.
func (s *iamService) ResolveInstanceProfile(c *Call, nameOrARN string) (string, string, *APIError) {
	byARN := strings.HasPrefix(nameOrARN, "arn:")
	invalid := func() *APIError {
		if byARN {
			return Errorf("InvalidParameterValue", "Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", nameOrARN)
		}
		return Errorf("InvalidParameterValue", "Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", nameOrARN)
	}
	name := nameOrARN
	if byARN {
		_, rest, ok := strings.Cut(nameOrARN, ":instance-profile/")
		if !ok {
			return "", "", invalid()
		}
		name = rest[strings.LastIndex(rest, "/")+1:]
	}
	snap, ok := s.visible(strings.ToLower(name), c.Now())
	if !ok || (byARN && snap.arn != nameOrARN) {
		return "", "", invalid()
	}
	if len(snap.roles) == 0 {
		return "", "", Errorf("InvalidParameterValue", "IAM Instance Profile \"%s\" has no associated IAM Roles", snap.arn)
	}
	return snap.arn, snap.id, nil
}

// ---- inventory

func (s *iamService) Inventory(now time.Time) []Resource {
	var out []Resource
	for _, r := range s.roles {
		out = append(out, Resource{Service: "iam", Region: "global", Type: "role", ID: r.name, Tags: r.tags.asMap()})
	}
	for _, u := range s.users {
		out = append(out, Resource{Service: "iam", Region: "global", Type: "user", ID: u.name, Tags: u.tags.asMap()})
	}
	for _, p := range s.oidc {
		out = append(out, Resource{Service: "iam", Region: "global", Type: "oidc-provider", ID: p.arn, Tags: p.tags.asMap()})
	}
	for _, p := range s.profiles {
		state := "empty"
		if p.role != "" {
			state = "role:" + s.roles[p.role].name
		}
		out = append(out, Resource{Service: "iam", Region: "global", Type: "instance-profile", ID: p.name, State: state, Tags: p.tags.asMap()})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type > out[j].Type
		}
		return out[i].ID < out[j].ID
	})
	return out
}

var _ InstanceProfiles = (*iamService)(nil)
