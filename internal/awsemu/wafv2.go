package awsemu

// AWS WAF (v2, JSON 1.1, regional): web ACLs, enough for a CloudFront
// distribution to name one and for a provider to check the one it is given.
// A web ACL of scope CLOUDFRONT can only be managed through us-east-1;
// REGIONAL ones live in their region. CloudFront accepts as WebACLId only the
// ARN of an existing CLOUDFRONT web ACL, and DeleteWebACL refuses a web ACL a
// distribution still uses.
//
// Rules are stored and returned as given (their statements are not
// evaluated: the data plane does not filter requests).

import (
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
)

type wafv2Service struct {
	e      *Emulator
	region string
	acls   map[string]*wafWebACL // key: id
	order  []string
}

type wafWebACL struct {
	id, name, arn, lockToken string
	scope                    waftypes.Scope
	acl                      *waftypes.WebACL
	tags                     map[string]string
	created                  time.Time
}

func init() {
	Register(ServiceInfo{
		Name:         "wafv2",
		SigningName:  "wafv2",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/wafv2",
		TargetPrefix: "AWSWAF_20190729",
		ThrottleCode: "ThrottlingException",
	}, func(e *Emulator, region string) *wafv2Service {
		return &wafv2Service{e: e, region: region, acls: map[string]*wafWebACL{}}
	})
}

// wafMaxWebACLs is the default number of web ACLs per account and scope.
const wafMaxWebACLs = 100

var (
	wafNamePattern   = regexp.MustCompile(`^[\w\-]+$`)
	wafMetricPattern = regexp.MustCompile(`^[\w#:\.\-/]+$`)
	wafIDPattern     = regexp.MustCompile(`^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$`)
	wafACLARNPattern = regexp.MustCompile(`^arn:aws:wafv2:([a-z0-9-]+):(\d{12}):(global|regional)/webacl/([\w\-]{1,128})/([0-9a-f-]{36})$`)
)

// wafACLARN is the ARN of a web ACL.
func wafACLARN(region, account, scope, name, id string) string {
	kind := "regional"
	if scope == string(waftypes.ScopeCloudfront) {
		kind, region = "global", "us-east-1"
	}
	return "arn:aws:wafv2:" + region + ":" + account + ":" + kind + "/webacl/" + name + "/" + id
}

func wafInvalidParameter(field waftypes.ParameterExceptionField, parameter, reason string) *APIError {
	err := Errorf("WAFInvalidParameterException", "Error reason: %s, field: %s, parameter: %s", reason, field, parameter)
	err.Fields = map[string]string{"Field": string(field), "Parameter": parameter, "Reason": reason}
	return err
}

func wafNonexistent() *APIError {
	return Errorf("WAFNonexistentItemException", "AWS WAF couldn’t perform the operation because your resource doesn’t exist.")
}

func wafValidation(field, value, constraint string) *APIError {
	return Errorf("ValidationException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

// checkScope refuses a scope that is not valid in this region: CLOUDFRONT
// only through us-east-1.
func (s *wafv2Service) checkScope(scope waftypes.Scope) *APIError {
	switch scope {
	case waftypes.ScopeRegional:
		return nil
	case waftypes.ScopeCloudfront:
		if s.region == "us-east-1" {
			return nil
		}
	case "":
		return wafValidation("scope", "null", "Member must not be null")
	}
	return wafInvalidParameter(waftypes.ParameterExceptionFieldScopeValue, string(scope), "The scope is not valid.")
}

func wafCheckName(name string) *APIError {
	if name == "" || len(name) > 128 {
		return wafValidation("name", name, "Member must have length between 1 and 128")
	}
	if !wafNamePattern.MatchString(name) {
		return wafValidation("name", name, `Member must satisfy regular expression pattern: ^[\w\-]+$`)
	}
	return nil
}

func (s *wafv2Service) uuid() string {
	h := s.e.HexID("wafv2-id", 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *wafv2Service) newLockToken() string {
	h := s.e.HexID("wafv2-lock", 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *wafv2Service) summary(a *wafWebACL) waftypes.WebACLSummary {
	return waftypes.WebACLSummary{ARN: aws.String(a.arn), Id: aws.String(a.id), Name: aws.String(a.name),
		LockToken: aws.String(a.lockToken), Description: a.acl.Description}
}

func (s *wafv2Service) CreateWebACL(c *Call, in *wafv2.CreateWebACLInput) (*wafv2.CreateWebACLOutput, error) {
	if err := s.checkScope(in.Scope); err != nil {
		return nil, err
	}
	name := aws.ToString(in.Name)
	if err := wafCheckName(name); err != nil {
		return nil, err
	}
	if d := aws.ToString(in.Description); len(d) > 256 {
		return nil, wafValidation("description", d, "Member must have length less than or equal to 256")
	}
	if in.DefaultAction == nil {
		return nil, wafValidation("defaultAction", "null", "Member must not be null")
	}
	if (in.DefaultAction.Allow == nil) == (in.DefaultAction.Block == nil) {
		return nil, wafInvalidParameter(waftypes.ParameterExceptionFieldDefaultAction, "DefaultAction", "A default action must have exactly one of Allow or Block.")
	}
	vc := in.VisibilityConfig
	if vc == nil {
		return nil, wafValidation("visibilityConfig", "null", "Member must not be null")
	}
	if m := aws.ToString(vc.MetricName); m == "" || len(m) > 255 || !wafMetricPattern.MatchString(m) {
		return nil, wafValidation("visibilityConfig.metricName", m, `Member must satisfy regular expression pattern: ^[\w#:\.\-/]+$`)
	}
	names, prios := map[string]bool{}, map[int32]bool{}
	for _, r := range in.Rules {
		n := aws.ToString(r.Name)
		if err := wafCheckName(n); err != nil {
			return nil, err
		}
		if names[n] {
			return nil, wafInvalidParameter(waftypes.ParameterExceptionFieldRule, n, "A rule name must be unique within a web ACL.")
		}
		if prios[r.Priority] {
			return nil, wafInvalidParameter(waftypes.ParameterExceptionFieldRule, n, "A rule priority must be unique within a web ACL.")
		}
		names[n], prios[r.Priority] = true, true
		if r.Statement == nil || r.VisibilityConfig == nil {
			return nil, wafInvalidParameter(waftypes.ParameterExceptionFieldRule, n, "A rule needs a statement and a visibility config.")
		}
	}
	count := 0
	for _, id := range s.order {
		a := s.acls[id]
		if a.scope != in.Scope {
			continue
		}
		count++
		if a.name == name {
			return nil, Errorf("WAFDuplicateItemException", "AWS WAF couldn’t perform the operation because some resource in your request is a duplicate of an existing one.")
		}
	}
	if count >= wafMaxWebACLs {
		err := Errorf("WAFLimitsExceededException", "AWS WAF couldn’t perform the operation because you exceeded your resource limit. For example, the maximum number of WebACL objects that you can create for an Amazon Web Services account.")
		err.Fields = map[string]string{"SourceType": "WebACL"}
		return nil, err
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		k := aws.ToString(t.Key)
		if k == "" || len(k) > 128 || len(aws.ToString(t.Value)) > 256 {
			return nil, wafInvalidParameter(waftypes.ParameterExceptionFieldTags, k, "A tag key must have 1 to 128 characters and a value at most 256.")
		}
		tags[k] = aws.ToString(t.Value)
	}
	id := s.uuid()
	a := &wafWebACL{id: id, name: name, scope: in.Scope, arn: wafACLARN(s.region, c.Account(), string(in.Scope), name, id),
		lockToken: s.newLockToken(), tags: tags, created: c.Now()}
	a.acl = &waftypes.WebACL{
		ARN: aws.String(a.arn), Id: aws.String(id), Name: aws.String(name), DefaultAction: sdkClone(in.DefaultAction),
		VisibilityConfig: sdkClone(in.VisibilityConfig), Description: in.Description, Capacity: int64(len(in.Rules)),
		LabelNamespace: aws.String("awswaf:" + c.Account() + ":webacl:" + name + ":"),
	}
	for i := range in.Rules {
		a.acl.Rules = append(a.acl.Rules, *sdkClone(&in.Rules[i]))
	}
	if a.acl.Rules == nil {
		a.acl.Rules = []waftypes.Rule{}
	}
	s.acls[id] = a
	s.order = append(s.order, id)
	sum := s.summary(a)
	return &wafv2.CreateWebACLOutput{Summary: &sum}, nil
}

// find locates a web ACL by ARN, or by name, id and scope.
func (s *wafv2Service) find(arn, name, id string, scope waftypes.Scope) (*wafWebACL, *APIError) {
	if arn != "" {
		m := wafACLARNPattern.FindStringSubmatch(arn)
		if m == nil {
			return nil, wafInvalidParameter(waftypes.ParameterExceptionFieldResourceArn, arn, "The ARN isn't valid.")
		}
		a := s.acls[m[5]]
		if a == nil || a.arn != arn {
			return nil, wafNonexistent()
		}
		return a, nil
	}
	if err := s.checkScope(scope); err != nil {
		return nil, err
	}
	if err := wafCheckName(name); err != nil {
		return nil, err
	}
	if !wafIDPattern.MatchString(id) {
		return nil, wafValidation("id", id, "Member must have length between 1 and 36")
	}
	a := s.acls[id]
	if a == nil || a.name != name || a.scope != scope {
		return nil, wafNonexistent()
	}
	return a, nil
}

func (s *wafv2Service) GetWebACL(c *Call, in *wafv2.GetWebACLInput) (*wafv2.GetWebACLOutput, error) {
	a, err := s.find(aws.ToString(in.ARN), aws.ToString(in.Name), aws.ToString(in.Id), in.Scope)
	if err != nil {
		return nil, err
	}
	return &wafv2.GetWebACLOutput{WebACL: sdkClone(a.acl), LockToken: aws.String(a.lockToken)}, nil
}

func (s *wafv2Service) ListWebACLs(c *Call, in *wafv2.ListWebACLsInput) (*wafv2.ListWebACLsOutput, error) {
	if err := s.checkScope(in.Scope); err != nil {
		return nil, err
	}
	var limit int32
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, wafValidation("limit", itoa(int64(*in.Limit)), "Member must have value between 1 and 100")
		}
		limit = *in.Limit
	}
	var list []*wafWebACL
	for _, id := range s.order {
		if a := s.acls[id]; a.scope == in.Scope {
			list = append(list, a)
		}
	}
	page, next, err := Paginate(list, in.NextMarker, limit, 100)
	if err != nil {
		return nil, Errorf("WAFInvalidOperationException", "The operation isn't valid: the NextMarker %s is not one this operation returned.", aws.ToString(in.NextMarker))
	}
	out := &wafv2.ListWebACLsOutput{WebACLs: []waftypes.WebACLSummary{}, NextMarker: next}
	for _, a := range page {
		out.WebACLs = append(out.WebACLs, s.summary(a))
	}
	return out, nil
}

func (s *wafv2Service) DeleteWebACL(c *Call, in *wafv2.DeleteWebACLInput) (*wafv2.DeleteWebACLOutput, error) {
	a, err := s.find("", aws.ToString(in.Name), aws.ToString(in.Id), in.Scope)
	if err != nil {
		return nil, err
	}
	if aws.ToString(in.LockToken) == "" {
		return nil, wafValidation("lockToken", "null", "Member must not be null")
	}
	if aws.ToString(in.LockToken) != a.lockToken {
		return nil, Errorf("WAFOptimisticLockException", "AWS WAF couldn’t save your changes because you tried to update or delete a resource that has changed since you last retrieved it. Get the resource again, make any changes you need to make to the new copy, and retry your operation.")
	}
	if a.scope == waftypes.ScopeCloudfront {
		if cf, ok := s.e.instance("cloudfront", "").(*cloudfrontService); ok && cf.usesWebACL(a.arn) {
			return nil, Errorf("WAFAssociatedItemException", "AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.")
		}
	}
	delete(s.acls, a.id)
	s.order = removeString(s.order, a.id)
	return &wafv2.DeleteWebACLOutput{}, nil
}

// cloudfrontWebACL reports whether arn names an existing web ACL of scope
// CLOUDFRONT (CloudFront's check of a distribution's WebACLId).
func cloudfrontWebACL(e *Emulator, arn string) bool {
	s, ok := e.instance("wafv2", "us-east-1").(*wafv2Service)
	if !ok {
		return false
	}
	m := wafACLARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return false
	}
	a := s.acls[m[5]]
	return a != nil && a.arn == arn && a.scope == waftypes.ScopeCloudfront
}

func (s *wafv2Service) Inventory(now time.Time) []Resource {
	var out []Resource
	for _, id := range s.order {
		a := s.acls[id]
		out = append(out, Resource{Service: "wafv2", Region: s.region, Type: "webacl", ID: a.arn, State: strings.ToLower(string(a.scope)), Tags: copyTags(a.tags)})
	}
	return out
}
