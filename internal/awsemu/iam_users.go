package awsemu

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAM users (with inline and attached policies and access keys that the
// emulator accepts for signing), OpenID Connect providers (for STS
// AssumeRoleWithWebIdentity), and the policy lookups the authorization layer
// uses. Quotas are in the quota table: quota.<code> overrides AWS's default.

type iamUser struct {
	name, path, id, arn string
	created             time.Time
	tags                iamTags
	inline              map[string]string
	inlineOrder         []string
	attached            []string
	keys                []iamAccessKey
}

type iamAccessKey struct {
	id      string
	created time.Time
}

type iamOIDCProvider struct {
	arn, url    string // url without the scheme, as IAM returns it
	clientIDs   []string
	thumbprints []string
	created     time.Time
	tags        iamTags
}

// IAM quota codes (Service Quotas, service code iam).
const (
	quotaIAMRoles              = "L-FE177D64"
	quotaIAMInstanceProfiles   = "L-6E65F664"
	quotaIAMPoliciesPerRole    = "L-0DA4ABF3"
	quotaIAMPoliciesPerUser    = "L-4019AD8B"
	quotaIAMUsers              = "L-F55AF5E4"
	quotaIAMOIDCProviders      = "L-858F3967"
	quotaIAMRoleTrustPolicyLen = "L-C07B4B0D"
)

func init() {
	for _, q := range []QuotaDef{
		{Code: quotaIAMRoles, Name: "Roles per account", Default: 1000},
		{Code: quotaIAMInstanceProfiles, Name: "Instance profiles per account", Default: 1000},
		{Code: quotaIAMPoliciesPerRole, Name: "Managed policies per role", Default: 10},
		{Code: quotaIAMPoliciesPerUser, Name: "Managed policies per user", Default: 10},
		{Code: quotaIAMUsers, Name: "Users per account", Default: 5000},
		{Code: quotaIAMOIDCProviders, Name: "OpenId connect providers per account", Default: 100},
		{Code: quotaIAMRoleTrustPolicyLen, Name: "Role trust policy length", Default: 2048},
	} {
		q.ServiceCode, q.Adjustable, q.Global = "iam", true, true
		RegisterQuota(q)
	}
}

const (
	iamMaxInlinePerUser  = 2048
	iamMaxAccessKeys     = 2
	iamMaxClientIDs      = 100
	iamMaxThumbprints    = 5
	iamMaxOIDCURLLength  = 255
	iamMaxSessionPolicy  = 2048
	iamDefaultUserPrefix = "AIDA"
)

// staticUserCreated is the creation date reported for users outside the
// emulated IAM (the default key's user).
var staticUserCreated = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

var iamThumbprintPattern = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// nonWhitespaceLen is how IAM measures policy sizes: white space does not count.
func nonWhitespaceLen(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}

func (e *Emulator) quotaInt(code string) int {
	return int(e.Quota(code))
}

// ---- lookups used by the authorization layer and STS

func (s *iamService) roleARNFor(name string) string {
	if r := s.roles[strings.ToLower(name)]; r != nil {
		return r.arn
	}
	return "arn:aws:iam::" + AccountID + ":role/" + name
}

func (s *iamService) profileARNFor(name string) string {
	if p := s.profiles[strings.ToLower(name)]; p != nil {
		return p.arn
	}
	return "arn:aws:iam::" + AccountID + ":instance-profile/" + name
}

func (s *iamService) userARNFor(name string) string {
	if u := s.users[strings.ToLower(name)]; u != nil {
		return u.arn
	}
	return "arn:aws:iam::" + AccountID + ":user/" + name
}

// roleByARN finds a role by its ARN, path included.
func (s *iamService) roleByARN(arn string) *iamRole {
	m := roleARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return nil
	}
	r := s.roles[strings.ToLower(m[2])]
	if r == nil || r.arn != arn {
		return nil
	}
	return r
}

// roleOfProfile returns the ARN of the role in an instance profile (by name
// or ARN), "" when there is none.
func (s *iamService) roleOfProfile(nameOrARN string) string {
	name := nameOrARN
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	p := s.profiles[strings.ToLower(name)]
	if p == nil || p.role == "" {
		return ""
	}
	if r := s.roles[p.role]; r != nil {
		return r.arn
	}
	return ""
}

// managedDocument returns the default version document of a managed policy.
func (s *iamService) managedDocument(arn string) (iamManagedPolicy, bool) {
	return iamManagedPolicyByARN(arn)
}

func sourced(doc, id string, typ iamtypes.PolicySourceType) *policyDoc {
	d, ok := parsePolicy(doc)
	if !ok {
		return &policyDoc{}
	}
	for i := range d.Statements {
		d.Statements[i].sourceID, d.Statements[i].sourceType, d.Statements[i].sourceDocument = id, string(typ), doc
	}
	return d
}

// rolePolicies are a role's identity-based policies.
func (s *iamService) rolePolicies(r *iamRole) []*policyDoc {
	var out []*policyDoc
	for _, n := range r.inlineOrder {
		out = append(out, sourced(r.inline[n], n, iamtypes.PolicySourceTypeRole))
	}
	for _, a := range r.attached {
		if p, ok := s.managedDocument(a); ok {
			out = append(out, sourced(p.document, a, iamtypes.PolicySourceTypeAwsManaged))
		}
	}
	return out
}

// userPolicies are a user's identity-based policies.
func (s *iamService) userPolicies(u *iamUser) []*policyDoc {
	var out []*policyDoc
	for _, n := range u.inlineOrder {
		out = append(out, sourced(u.inline[n], n, iamtypes.PolicySourceTypeUser))
	}
	for _, a := range u.attached {
		if p, ok := s.managedDocument(a); ok {
			out = append(out, sourced(p.document, a, iamtypes.PolicySourceTypeAwsManaged))
		}
	}
	return out
}

// ---- users

func (s *iamService) user(name string) (*iamUser, *APIError) {
	u := s.users[strings.ToLower(name)]
	if u == nil {
		return nil, iamNoSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

func (u *iamUser) view(withTags bool) iamtypes.User {
	out := iamtypes.User{Arn: aws.String(u.arn), UserName: aws.String(u.name), UserId: aws.String(u.id), Path: aws.String(u.path), CreateDate: aws.Time(u.created)}
	if withTags {
		out.Tags = u.tags.list()
	}
	return out
}

func (s *iamService) CreateUser(c *Call, in *iam.CreateUserInput) (*iam.CreateUserOutput, error) {
	name := aws.ToString(in.UserName)
	if err := iamCheckName("userName", name, 64); err != nil {
		return nil, err
	}
	path, err := iamCheckPath(in.Path)
	if err != nil {
		return nil, err
	}
	if s.users[strings.ToLower(name)] != nil {
		return nil, iamConflict("EntityAlreadyExists", "User with name %s already exists.", name)
	}
	if limit := s.e.quotaInt(quotaIAMUsers); len(s.users) >= limit {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for UsersPerAccount: %d", limit)
	}
	u := &iamUser{name: name, path: path, id: iamDefaultUserPrefix + s.e.AlnumID("iam-user", 17),
		arn: "arn:aws:iam::" + c.Account() + ":user" + path + name, created: c.Now(), inline: map[string]string{}}
	if err := iamApplyTags(&u.tags, in.Tags, "TagsPerUser"); err != nil {
		return nil, err
	}
	s.users[strings.ToLower(name)] = u
	v := u.view(true)
	return &iam.CreateUserOutput{User: &v}, nil
}

func (s *iamService) GetUser(c *Call, in *iam.GetUserInput) (*iam.GetUserOutput, error) {
	name := aws.ToString(in.UserName)
	if name == "" {
		// The caller itself: a user, not a role session.
		if _, _, ok := parseAssumedRoleARN(c.Caller.ARN); ok || !strings.Contains(c.Caller.ARN, ":user/") {
			return nil, Errorf("ValidationError", "Must specify userName when calling with non-User credentials")
		}
		name = c.Caller.ARN[strings.LastIndex(c.Caller.ARN, "/")+1:]
		if s.users[strings.ToLower(name)] == nil {
			// A static key of a user outside the emulated IAM.
			return &iam.GetUserOutput{User: &iamtypes.User{Arn: aws.String(c.Caller.ARN), UserName: aws.String(name),
				UserId: aws.String(c.Caller.UserID), Path: aws.String("/"), CreateDate: aws.Time(staticUserCreated)}}, nil
		}
	}
	u, err := s.user(name)
	if err != nil {
		return nil, err
	}
	v := u.view(true)
	return &iam.GetUserOutput{User: &v}, nil
}

func (s *iamService) DeleteUser(c *Call, in *iam.DeleteUserInput) (*iam.DeleteUserOutput, error) {
	u, err := s.user(aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	switch {
	case len(u.keys) > 0:
		return nil, iamConflict("DeleteConflict", "Cannot delete entity, must delete access keys first.")
	case len(u.attached) > 0:
		return nil, iamConflict("DeleteConflict", "Cannot delete entity, must detach all policies first.")
	case len(u.inline) > 0:
		return nil, iamConflict("DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	delete(s.users, strings.ToLower(u.name))
	return &iam.DeleteUserOutput{}, nil
}

func (s *iamService) ListUsers(c *Call, in *iam.ListUsersInput) (*iam.ListUsersOutput, error) {
	prefix, err := iamCheckPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	var all []*iamUser
	for _, u := range s.users {
		if strings.HasPrefix(u.path, prefix) {
			all = append(all, u)
		}
	}
	sort.Slice(all, func(i, j int) bool { return strings.ToLower(all[i].name) < strings.ToLower(all[j].name) })
	page, next, truncated, err := iamPage(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iam.ListUsersOutput{Users: []iamtypes.User{}, IsTruncated: truncated, Marker: next}
	for _, u := range page {
		out.Users = append(out.Users, u.view(false))
	}
	return out, nil
}

func (s *iamService) PutUserPolicy(c *Call, in *iam.PutUserPolicyInput) (*iam.PutUserPolicyOutput, error) {
	name := aws.ToString(in.PolicyName)
	if err := iamCheckName("policyName", name, 128); err != nil {
		return nil, err
	}
	u, err := s.user(aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	doc := aws.ToString(in.PolicyDocument)
	if err := iamValidatePolicy(doc, false); err != nil {
		return nil, err
	}
	total := nonWhitespaceLen(doc)
	for n, d := range u.inline {
		if n != name {
			total += nonWhitespaceLen(d)
		}
	}
	if total > iamMaxInlinePerUser {
		return nil, iamConflict("LimitExceeded", "Maximum policy size of %d bytes exceeded for user %s", iamMaxInlinePerUser, u.name)
	}
	if _, ok := u.inline[name]; !ok {
		u.inlineOrder = append(u.inlineOrder, name)
	}
	u.inline[name] = doc
	return &iam.PutUserPolicyOutput{}, nil
}

func (s *iamService) GetUserPolicy(c *Call, in *iam.GetUserPolicyInput) (*iam.GetUserPolicyOutput, error) {
	u, err := s.user(aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.PolicyName)
	doc, ok := u.inline[name]
	if !ok {
		return nil, iamNoSuchEntity("The user policy with name %s cannot be found.", name)
	}
	return &iam.GetUserPolicyOutput{UserName: aws.String(u.name), PolicyName: aws.String(name), PolicyDocument: aws.String(iamEscape(doc))}, nil
}

func (s *iamService) DeleteUserPolicy(c *Call, in *iam.DeleteUserPolicyInput) (*iam.DeleteUserPolicyOutput, error) {
	u, err := s.user(aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.PolicyName)
	if _, ok := u.inline[name]; !ok {
		return nil, iamNoSuchEntity("The user policy with name %s cannot be found.", name)
	}
	delete(u.inline, name)
	u.inlineOrder = removeString(u.inlineOrder, name)
	return &iam.DeleteUserPolicyOutput{}, nil
}

func (s *iamService) ListUserPolicies(c *Call, in *iam.ListUserPoliciesInput) (*iam.ListUserPoliciesOutput, error) {
	u, err := s.user(aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	names := append([]string(nil), u.inlineOrder...)
	sort.Strings(names)
	page, next, truncated, err := iamPage(names, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []string{}
	}
	return &iam.ListUserPoliciesOutput{PolicyNames: page, IsTruncated: truncated, Marker: next}, nil
}

func (s *iamService) AttachUserPolicy(c *Call, in *iam.AttachUserPolicyInput) (*iam.AttachUserPolicyOutput, error) {
	u, err := s.user(aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.PolicyArn)
	if _, err := s.managedPolicy(arn); err != nil {
		return nil, err
	}
	for _, a := range u.attached {
		if a == arn {
			return &iam.AttachUserPolicyOutput{}, nil
		}
	}
	if limit := s.e.quotaInt(quotaIAMPoliciesPerUser); len(u.attached) >= limit {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for PoliciesPerUser: %d", limit)
	}
	u.attached = append(u.attached, arn)
	return &iam.AttachUserPolicyOutput{}, nil
}

func (s *iamService) DetachUserPolicy(c *Call, in *iam.DetachUserPolicyInput) (*iam.DetachUserPolicyOutput, error) {
	u, err := s.user(aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.PolicyArn)
	if !iamPolicyARNPattern.MatchString(arn) {
		return nil, Errorf("InvalidInput", "ARN %s is not valid.", arn)
	}
	for i, a := range u.attached {
		if a == arn {
			u.attached = append(u.attached[:i], u.attached[i+1:]...)
			return &iam.DetachUserPolicyOutput{}, nil
		}
	}
	return nil, iamNoSuchEntity("Policy %s was not found.", arn)
}

func (s *iamService) ListAttachedUserPolicies(c *Call, in *iam.ListAttachedUserPoliciesInput) (*iam.ListAttachedUserPoliciesOutput, error) {
	u, err := s.user(aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	prefix, err := iamCheckPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	var all []iamtypes.AttachedPolicy
	for _, a := range u.attached {
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
	return &iam.ListAttachedUserPoliciesOutput{AttachedPolicies: page, IsTruncated: truncated, Marker: next}, nil
}

// CreateAccessKey issues a key pair the emulator then accepts for the user.
func (s *iamService) CreateAccessKey(c *Call, in *iam.CreateAccessKeyInput) (*iam.CreateAccessKeyOutput, error) {
	name := aws.ToString(in.UserName)
	if name == "" {
		name = c.Caller.ARN[strings.LastIndex(c.Caller.ARN, "/")+1:]
	}
	u, err := s.user(name)
	if err != nil {
		return nil, err
	}
	if len(u.keys) >= iamMaxAccessKeys {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %d", iamMaxAccessKeys)
	}
	cred := &Credential{
		AccessKey: "AKIA" + s.e.AlnumID("iam-access-key", 16), SecretKey: s.e.HexID("iam-secret-key", 40), Source: "static",
		Principal: Principal{Account: AccountID, ARN: u.arn, UserID: u.id},
	}
	s.e.addCredentialLocked(cred)
	u.keys = append(u.keys, iamAccessKey{id: cred.AccessKey, created: c.Now()})
	return &iam.CreateAccessKeyOutput{AccessKey: &iamtypes.AccessKey{
		AccessKeyId: aws.String(cred.AccessKey), SecretAccessKey: aws.String(cred.SecretKey), UserName: aws.String(u.name),
		Status: iamtypes.StatusTypeActive, CreateDate: aws.Time(c.Now()),
	}}, nil
}

func (s *iamService) DeleteAccessKey(c *Call, in *iam.DeleteAccessKeyInput) (*iam.DeleteAccessKeyOutput, error) {
	name := aws.ToString(in.UserName)
	if name == "" {
		name = c.Caller.ARN[strings.LastIndex(c.Caller.ARN, "/")+1:]
	}
	u, err := s.user(name)
	if err != nil {
		return nil, err
	}
	id := aws.ToString(in.AccessKeyId)
	for i, k := range u.keys {
		if k.id == id {
			u.keys = append(u.keys[:i], u.keys[i+1:]...)
			delete(s.e.creds, id)
			return &iam.DeleteAccessKeyOutput{}, nil
		}
	}
	return nil, iamNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

func (s *iamService) ListAccessKeys(c *Call, in *iam.ListAccessKeysInput) (*iam.ListAccessKeysOutput, error) {
	name := aws.ToString(in.UserName)
	if name == "" {
		name = c.Caller.ARN[strings.LastIndex(c.Caller.ARN, "/")+1:]
	}
	u, err := s.user(name)
	if err != nil {
		return nil, err
	}
	out := &iam.ListAccessKeysOutput{AccessKeyMetadata: []iamtypes.AccessKeyMetadata{}}
	for _, k := range u.keys {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamtypes.AccessKeyMetadata{
			AccessKeyId: aws.String(k.id), CreateDate: aws.Time(k.created), Status: iamtypes.StatusTypeActive, UserName: aws.String(u.name),
		})
	}
	return out, nil
}

// ---- OpenID Connect providers

// oidcProviderHost is an issuer URL as IAM keys providers: without the
// scheme and the trailing slash.
func oidcProviderHost(issuer string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	return strings.TrimSuffix(h, "/")
}

// oidcProviderFor finds the provider for a token issuer.
func (s *iamService) oidcProviderFor(issuer string) *iamOIDCProvider {
	host := oidcProviderHost(issuer)
	for _, p := range s.oidc {
		if strings.EqualFold(p.url, host) {
			return p
		}
	}
	return nil
}

func (s *iamService) CreateOpenIDConnectProvider(c *Call, in *iam.CreateOpenIDConnectProviderInput) (*iam.CreateOpenIDConnectProviderOutput, error) {
	raw := aws.ToString(in.Url)
	u, perr := url.Parse(raw)
	if raw == "" || len(raw) > iamMaxOIDCURLLength || perr != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, Errorf("InvalidInput", "Invalid OpenID Connect provider URL: %s. The URL must begin with https:// and have no query or fragment.", raw)
	}
	if len(in.ClientIDList) > iamMaxClientIDs {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", iamMaxClientIDs)
	}
	for _, id := range in.ClientIDList {
		if len(id) < 1 || len(id) > 255 {
			return nil, iamValidation("clientIDList.member", id, "Member must have length less than or equal to 255")
		}
	}
	if len(in.ThumbprintList) > iamMaxThumbprints {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: %d", iamMaxThumbprints)
	}
	for _, t := range in.ThumbprintList {
		if !iamThumbprintPattern.MatchString(t) {
			return nil, iamValidation("thumbprintList.member", t, "Member must have length greater than or equal to 40")
		}
	}
	host := oidcProviderHost(raw)
	arn := "arn:aws:iam::" + c.Account() + ":oidc-provider/" + host
	if s.oidc[arn] != nil {
		return nil, iamConflict("EntityAlreadyExists", "Provider with url %s already exists.", raw)
	}
	if limit := s.e.quotaInt(quotaIAMOIDCProviders); len(s.oidc) >= limit {
		return nil, iamConflict("LimitExceeded", "Cannot exceed quota for OpenIdConnectProvidersPerAccount: %d", limit)
	}
	p := &iamOIDCProvider{arn: arn, url: host, clientIDs: append([]string(nil), in.ClientIDList...),
		thumbprints: append([]string(nil), in.ThumbprintList...), created: c.Now()}
	if err := iamApplyTags(&p.tags, in.Tags, "TagsPerOpenIdConnectProvider"); err != nil {
		return nil, err
	}
	s.oidc[arn] = p
	return &iam.CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: aws.String(arn), Tags: p.tags.list()}, nil
}

func (s *iamService) oidcProvider(arn string) (*iamOIDCProvider, *APIError) {
	if !strings.HasPrefix(arn, "arn:aws:iam::") || !strings.Contains(arn, ":oidc-provider/") {
		return nil, Errorf("InvalidInput", "ARN %s is not valid.", arn)
	}
	p := s.oidc[arn]
	if p == nil {
		return nil, iamNoSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
	}
	return p, nil
}

func (s *iamService) GetOpenIDConnectProvider(c *Call, in *iam.GetOpenIDConnectProviderInput) (*iam.GetOpenIDConnectProviderOutput, error) {
	p, err := s.oidcProvider(aws.ToString(in.OpenIDConnectProviderArn))
	if err != nil {
		return nil, err
	}
	return &iam.GetOpenIDConnectProviderOutput{Url: aws.String(p.url), ClientIDList: append([]string{}, p.clientIDs...),
		ThumbprintList: append([]string{}, p.thumbprints...), CreateDate: aws.Time(p.created), Tags: p.tags.list()}, nil
}

func (s *iamService) DeleteOpenIDConnectProvider(c *Call, in *iam.DeleteOpenIDConnectProviderInput) (*iam.DeleteOpenIDConnectProviderOutput, error) {
	p, err := s.oidcProvider(aws.ToString(in.OpenIDConnectProviderArn))
	if err != nil {
		return nil, err
	}
	delete(s.oidc, p.arn)
	return &iam.DeleteOpenIDConnectProviderOutput{}, nil
}

func (s *iamService) ListOpenIDConnectProviders(c *Call, in *iam.ListOpenIDConnectProvidersInput) (*iam.ListOpenIDConnectProvidersOutput, error) {
	out := &iam.ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: []iamtypes.OpenIDConnectProviderListEntry{}}
	var arns []string
	for a := range s.oidc {
		arns = append(arns, a)
	}
	sort.Strings(arns)
	for _, a := range arns {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, iamtypes.OpenIDConnectProviderListEntry{Arn: aws.String(a)})
	}
	return out, nil
}
