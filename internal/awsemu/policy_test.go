package awsemu

import "testing"

func mustPolicy(t *testing.T, doc string) *policyDoc {
	t.Helper()
	d, ok := parsePolicy(doc)
	if !ok {
		t.Fatalf("policy does not parse: %s", doc)
	}
	return d
}

func TestPolicyEvaluation(t *testing.T) {
	docs := []*policyDoc{mustPolicy(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"Describe","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"},
		{"Sid":"Elb","Effect":"Allow","Action":["elasticloadbalancing:*"],"Resource":"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/geusemaker-*"},
		{"Sid":"NotIAM","Effect":"Allow","NotAction":["iam:*","ec2:*","elasticloadbalancing:*"],"Resource":"*"},
		{"Sid":"NoProd","Effect":"Deny","Action":"*","NotResource":["arn:aws:elasticloadbalancing:*:*:loadbalancer/app/geusemaker-*","*-dev"],
		 "Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},
		{"Sid":"DenyDelete","Effect":"Deny","Action":"elasticloadbalancing:DeleteLoadBalancer","Resource":"*"}
	]}`)}
	ctx := map[string][]string{"aws:requestedregion": {"us-east-1"}}
	for _, tc := range []struct {
		action, resource string
		region           string
		want             string
		sid              string
	}{
		{"ec2:DescribeVpcs", "*", "", decisionAllowed, "Describe"},
		{"EC2:describeSUBNETS", "*", "", decisionAllowed, "Describe"}, // actions are case-insensitive
		{"ec2:CreateVpc", "*", "", decisionImplicitDeny, ""},
		{"elasticloadbalancing:CreateListener", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/geusemaker-demo/abc", "", decisionAllowed, "Elb"},
		{"elasticloadbalancing:CreateListener", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/other/abc", "", decisionImplicitDeny, ""},
		// Resources are case-sensitive.
		{"elasticloadbalancing:CreateListener", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/GEUSEMAKER-demo/abc", "", decisionImplicitDeny, ""},
		{"s3:GetObject", "*", "", decisionAllowed, "NotIAM"},
		{"iam:CreateRole", "*", "", decisionImplicitDeny, ""},
		// Explicit deny wins over the Elb allow.
		{"elasticloadbalancing:DeleteLoadBalancer", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/geusemaker-demo/abc", "", decisionExplicitDeny, "DenyDelete"},
		// NotResource with a condition: in eu-west-1 everything but the listed resources is denied.
		{"s3:GetObject", "arn:aws:s3:::bucket", "eu-west-1", decisionExplicitDeny, "NoProd"},
		{"s3:GetObject", "arn:aws:s3:::bucket-dev", "eu-west-1", decisionAllowed, "NotIAM"},
	} {
		c := ctx
		if tc.region != "" {
			c = map[string][]string{"aws:requestedregion": {tc.region}}
		}
		got := evaluatePolicies(docs, &authzRequest{Action: tc.action, Resource: tc.resource, Context: c}, false)
		if got.Decision != tc.want {
			t.Errorf("%s on %s: %s, want %s", tc.action, tc.resource, got.Decision, tc.want)
			continue
		}
		if tc.sid != "" && (len(got.Matched) == 0 || got.Matched[0].Sid != tc.sid) {
			t.Errorf("%s on %s: matched %+v, want %s", tc.action, tc.resource, got.Matched, tc.sid)
		}
	}
}

func TestPolicyConditions(t *testing.T) {
	eval := func(cond string, ctx map[string][]string, strict bool) string {
		d := mustPolicy(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+cond+`}]}`)
		return evaluatePolicies([]*policyDoc{d}, &authzRequest{Action: "ec2:RunInstances", Resource: "*", Context: ctx, Strict: strict}, false).Decision
	}
	region := map[string][]string{"aws:requestedregion": {"us-east-1"}, "aws:tagkeys": {"Name", "Team"}, "aws:sourceip": {"203.0.113.7"}, "aws:multifactorauthpresent": nil}
	for _, tc := range []struct {
		cond string
		want string
	}{
		{`{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, decisionAllowed},
		{`{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}`, decisionImplicitDeny},
		{`{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-west-2"]}}`, decisionAllowed},
		{`{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, decisionImplicitDeny},
		{`{"StringLike":{"aws:RequestedRegion":"us-*"}}`, decisionAllowed},
		{`{"StringEqualsIgnoreCase":{"aws:requestedregion":"US-EAST-1"}}`, decisionAllowed},
		// A key the request does not carry: positive operators fail, negated ones and IfExists hold.
		{`{"StringEquals":{"aws:MultiFactorAuthPresent":"true"}}`, decisionImplicitDeny},
		{`{"StringNotEquals":{"aws:MultiFactorAuthPresent":"true"}}`, decisionAllowed},
		{`{"StringEqualsIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, decisionAllowed},
		{`{"Null":{"aws:MultiFactorAuthPresent":"true"}}`, decisionAllowed},
		{`{"Null":{"aws:RequestedRegion":"true"}}`, decisionImplicitDeny},
		{`{"ForAllValues:StringEquals":{"aws:TagKeys":["Name","Team","Owner"]}}`, decisionAllowed},
		{`{"ForAllValues:StringEquals":{"aws:TagKeys":["Name"]}}`, decisionImplicitDeny},
		{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["Owner","Team"]}}`, decisionAllowed},
		{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["Owner"]}}`, decisionImplicitDeny},
		{`{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, decisionAllowed},
		{`{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, decisionImplicitDeny},
		{`{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":"3600"}}`, decisionImplicitDeny},
		// Every condition must hold.
		{`{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"StringLike":{"aws:RequestedRegion":"eu-*"}}`, decisionImplicitDeny},
	} {
		if got := eval(tc.cond, region, false); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.cond, got, tc.want)
		}
	}
	// Strict evaluation (a real call): a key the emulator cannot know keeps an
	// Allow from applying and makes a Deny apply.
	if got := eval(`{"StringEquals":{"aws:ResourceTag/Team":"ml"}}`, region, true); got != decisionImplicitDeny {
		t.Errorf("strict allow on an unknown key: %s", got)
	}
	deny := mustPolicy(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"prod"}}}]}`)
	if got := evaluatePolicies([]*policyDoc{deny}, &authzRequest{Action: "ec2:TerminateInstances", Context: region, Strict: true}, false).Decision; got != decisionExplicitDeny {
		t.Errorf("strict deny on an unknown key: %s", got)
	}
	if got := evaluatePolicies([]*policyDoc{deny}, &authzRequest{Action: "ec2:TerminateInstances", Resource: "*", Context: region}, false).Decision; got != decisionAllowed {
		t.Errorf("simulated deny on an absent key: %s", got)
	}
	// An unknown resource: only Resource "*" allows it in a real call.
	scoped := mustPolicy(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"arn:aws:ec2:*:*:instance/*"}]}`)
	if got := evaluatePolicies([]*policyDoc{scoped}, &authzRequest{Action: "ec2:RunInstances", Context: region, Strict: true}, false).Decision; got != decisionImplicitDeny {
		t.Errorf("scoped allow on an unknown resource: %s", got)
	}
}

func TestPolicyTrustPrincipals(t *testing.T) {
	trust := mustPolicy(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ci"},"Action":"sts:AssumeRole"},
		{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}},
		{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	ask := func(arn string, ext []string) policyResult {
		return evaluatePolicies([]*policyDoc{trust}, &authzRequest{Action: "sts:AssumeRole",
			Principal: &trustPrincipal{Account: AccountID, ARNs: []string{arn}}, Context: map[string][]string{"sts:externalid": ext}}, true)
	}
	if r := ask("arn:aws:iam::123456789012:user/ci", nil); r.Decision != decisionAllowed || !r.Matched[0].namesPrincipalExactly(&trustPrincipal{ARNs: []string{"arn:aws:iam::123456789012:user/ci"}}) {
		t.Fatalf("named user: %+v", r)
	}
	if r := ask("arn:aws:iam::123456789012:user/other", nil); r.Decision != decisionImplicitDeny {
		t.Fatalf("other user without external id: %s", r.Decision)
	}
	if r := ask("arn:aws:iam::123456789012:user/other", []string{"ext-1"}); r.Decision != decisionAllowed || r.Matched[0].namesPrincipalExactly(&trustPrincipal{ARNs: []string{"arn:aws:iam::123456789012:user/other"}}) {
		t.Fatalf("account principal with external id: %+v", r)
	}
}
