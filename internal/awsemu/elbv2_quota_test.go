package awsemu

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ELB's quotas come from the quota table: load balancers and target groups
// per region, listeners and rules per load balancer, condition values and
// wildcards per rule.
func TestELBv2Quotas(t *testing.T) {
	env := newELBEnv(t, Options{Knobs: map[string]string{
		"quota.L-53DA6B97": "1", "quota.L-B22855CB": "2", "quota.L-B6DF7632": "1", "quota.L-7EED9B64": "1",
	}})
	lb := env.createLB(t, "one")
	_, err := env.elb.CreateLoadBalancer(ctx(t), &elbv2.CreateLoadBalancerInput{Name: aws.String("two"), Subnets: []string{env.net.subnetA, env.net.subnetB}, SecurityGroups: []string{env.sg}})
	wantAPIError(t, err, "TooManyLoadBalancers", http.StatusBadRequest, "You've reached the limit on the number of load balancers for your account")
	// The same create again is idempotent, not a new load balancer.
	if again := env.createLB(t, "one"); aws.ToString(again.LoadBalancerArn) != aws.ToString(lb.LoadBalancerArn) {
		t.Fatal("idempotent create returned another load balancer")
	}
	tg := env.createTG(t, "tg-a")
	env.createTG(t, "tg-b")
	_, err = env.elb.CreateTargetGroup(ctx(t), &elbv2.CreateTargetGroupInput{Name: aws.String("tg-c"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(env.net.vpc)})
	wantAPIError(t, err, "TooManyTargetGroups", http.StatusBadRequest, "You've reached the limit on the number of target groups for your account")

	l := env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn))
	_, err = env.elb.CreateListener(ctx(t), &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Port: aws.Int32(81), Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: forward(tg.TargetGroupArn)})
	wantAPIError(t, err, "TooManyListeners", http.StatusBadRequest, "")

	rule := func(prio int32, values ...string) error {
		_, err := env.elb.CreateRule(ctx(t), &elbv2.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(prio),
			Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: values}}},
			Actions:    forward(tg.TargetGroupArn)})
		return err
	}
	wantAPIError(t, rule(1, "/a", "/b", "/c", "/d", "/e", "/f"), "ValidationError", http.StatusBadRequest, "A rule can only have '5' condition values")
	wantAPIError(t, rule(1, "/a*", "/b*", "/c*", "/d*", "/e*?"), "ValidationError", http.StatusBadRequest, "A rule can only have '5' wildcards")
	if err := rule(1, "/api/*"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, rule(2, "/other/*"), "TooManyRules", http.StatusBadRequest, "")
	// The rules quota is per load balancer.
	env.e.SetKnob("quota.L-7EED9B64", "2")
	if err := rule(2, "/other/*"); err != nil {
		t.Fatal(err)
	}
}

// Every security policy name ELB publishes is accepted, unknown ones are not.
func TestELBv2SecurityPolicyNames(t *testing.T) {
	env := newELBEnv(t, Options{})
	out, err := env.elb.DescribeSSLPolicies(ctx(t), &elbv2.DescribeSSLPoliciesInput{Names: []string{
		"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09", "ELBSecurityPolicy-2016-08"}})
	if err != nil || len(out.SslPolicies) != 4 {
		t.Fatalf("describe %v %v", out, err)
	}
	for _, p := range out.SslPolicies {
		if len(p.SslProtocols) == 0 || len(p.Ciphers) == 0 {
			t.Fatalf("policy %s without protocols or ciphers", aws.ToString(p.Name))
		}
	}
	_, err = env.elb.DescribeSSLPolicies(ctx(t), &elbv2.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-TLS13-1-2-2099-01"}})
	wantAPIError(t, err, "SSLPolicyNotFound", http.StatusBadRequest, "")
}

func TestEFSFileSystemQuota(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"quota.L-848C634D": "1"}})
	client := efsClient(e)
	createTestFS(t, e, client, "first")
	_, err := client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String("second")})
	wantAPIError(t, err, "FileSystemLimitExceeded", http.StatusForbidden, "")
	// The same token again is still FileSystemAlreadyExists, not the quota.
	_, err = client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String("first")})
	wantAPIError(t, err, "FileSystemAlreadyExists", http.StatusConflict, "")
}
