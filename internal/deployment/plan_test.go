package deployment

import "testing"

func TestPlanUpdate(t *testing.T) {
	full := func() *State {
		s := fixtureState()
		s.MountTargetIDs = []string{"fsmt-0a", "fsmt-0b"}
		return s
	}
	for _, tc := range []struct {
		name  string
		ch    Changes
		prior func(*State)
		want  UpdatePlan
	}{
		{name: "nothing changed, nothing missing",
			ch: Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true}},
		{name: "tier 1 to 2 adds the load balancer, keeps the instance",
			ch: Changes{FromTier: 1, ToTier: 2, OwnedNetwork: true},
			prior: func(s *State) {
				s.LoadBalancerState, s.ALBSecurityGroupID, s.CDNState = LoadBalancerState{}, "", CDNState{}
			},
			want: UpdatePlan{LoadBalancer: true, ALBSecurityGroup: true, TargetGroup: true, Listeners: true, URL: true}},
		{name: "tier 2 to 3 keeps the load balancer and adds CloudFront",
			ch:    Changes{FromTier: 2, ToTier: 3, OwnedNetwork: true},
			prior: func(s *State) { s.CDNState = CDNState{} },
			want:  UpdatePlan{Distribution: true, Rollout: true, OriginSecret: true, URL: true}},
		{name: "a new boot script replaces the instance; tier 1's URL follows it",
			ch:   Changes{FromTier: 1, ToTier: 1, OwnedNetwork: true, Workload: true},
			want: UpdatePlan{Instance: true, URL: true}},
		{name: "a new boot script behind CloudFront leaves the URL",
			ch:   Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true, Workload: true},
			want: UpdatePlan{Instance: true}},
		{name: "a type change is in place",
			ch:   Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true, InstanceType: true},
			want: UpdatePlan{Resize: true}},
		{name: "a type change of a Spot instance replaces it",
			ch:   Changes{FromTier: 1, ToTier: 1, OwnedNetwork: true, InstanceType: true, SpotInstance: true},
			want: UpdatePlan{Instance: true, URL: true}},
		{name: "a market the instance does not fit replaces it",
			ch:   Changes{FromTier: 2, ToTier: 2, OwnedNetwork: true, Market: true},
			want: UpdatePlan{Instance: true}},
		{name: "services change the URLs",
			ch:   Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true, Workload: true, Services: true},
			want: UpdatePlan{Instance: true, URL: true}},
		{name: "cdn settings roll the distribution out",
			ch:   Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true, CDN: true},
			want: UpdatePlan{Rollout: true, URL: true}},
		{name: "load balancer settings change the listeners and the origin",
			ch:   Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true, LoadBalancer: true},
			want: UpdatePlan{Listeners: true, Rollout: true}},
		{name: "a file system deleted outside Terraform",
			ch:    Changes{FromTier: 2, ToTier: 2, OwnedNetwork: true},
			prior: func(s *State) { s.StorageState = StorageState{} },
			want:  UpdatePlan{FileSystem: true, MountTargets: true, Instance: true}},
		{name: "a lost internet gateway rebuilds the owned network and what stands in it",
			ch:    Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true},
			prior: func(s *State) { s.InternetGatewayID = "" },
			want: UpdatePlan{Network: true, SecurityGroups: true, MountTargets: true, Instance: true,
				LoadBalancer: true, ALBSecurityGroup: true, TargetGroup: true, Listeners: true, Rollout: true}},
		{name: "the user's VPC has no gateway of ours",
			ch:    Changes{FromTier: 1, ToTier: 1},
			prior: func(s *State) { s.InternetGatewayID, s.RouteTableID = "", "" }},
		{name: "fewer mount targets than subnets",
			ch:    Changes{FromTier: 1, ToTier: 1, OwnedNetwork: true},
			prior: func(s *State) { s.MountTargetIDs = s.MountTargetIDs[:1] },
			want:  UpdatePlan{MountTargets: true, Instance: true, URL: true}},
		{name: "a missing role",
			ch:    Changes{FromTier: 1, ToTier: 1, OwnedNetwork: true},
			prior: func(s *State) { s.RoleName = "" },
			want:  UpdatePlan{IAM: true}},
		{name: "tier 3 to 1 drops the rest and changes the URL",
			ch:   Changes{FromTier: 3, ToTier: 1, OwnedNetwork: true},
			want: UpdatePlan{URL: true}},
		{name: "a domain added in tier 1 needs no certificate",
			ch:   Changes{FromTier: 1, ToTier: 1, OwnedNetwork: true, Domain: true, DomainEnabled: true},
			want: UpdatePlan{URL: true}},
		{name: "a domain added in tier 2 requests the load balancer's certificate",
			ch:    Changes{FromTier: 2, ToTier: 2, OwnedNetwork: true, Domain: true, DomainEnabled: true},
			prior: func(s *State) { s.CDNState = CDNState{} },
			want:  UpdatePlan{DomainCertificates: true, URL: true}},
		{name: "tier 2 to 3 with a domain adds CloudFront's certificate",
			ch:    Changes{FromTier: 2, ToTier: 3, OwnedNetwork: true, DomainEnabled: true},
			prior: func(s *State) { s.CDNState, s.DomainCertificates = CDNState{}, domainCerts(CertificateUseLoadBalancer) },
			want:  UpdatePlan{Distribution: true, Rollout: true, OriginSecret: true, DomainCertificates: true, URL: true}},
		{name: "tier 3 with its certificates keeps them",
			ch: Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true, DomainEnabled: true},
			prior: func(s *State) {
				s.DomainCertificates = domainCerts(CertificateUseLoadBalancer, CertificateUseCloudFront)
			}},
		{name: "a certificate deleted outside Terraform is requested again",
			ch:    Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true, DomainEnabled: true},
			prior: func(s *State) { s.DomainCertificates = domainCerts(CertificateUseLoadBalancer) },
			want:  UpdatePlan{DomainCertificates: true}},
		{name: "removing the domain deletes its certificates",
			ch:    Changes{FromTier: 2, ToTier: 2, OwnedNetwork: true, Domain: true},
			prior: func(s *State) { s.CDNState, s.DomainCertificates = CDNState{}, domainCerts(CertificateUseLoadBalancer) },
			want:  UpdatePlan{DomainCertificates: true, URL: true}},
		{name: "tier 2 to 1 deletes the load balancer's certificate",
			ch:    Changes{FromTier: 2, ToTier: 1, OwnedNetwork: true, DomainEnabled: true},
			prior: func(s *State) { s.CDNState, s.DomainCertificates = CDNState{}, domainCerts(CertificateUseLoadBalancer) },
			want:  UpdatePlan{DomainCertificates: true, URL: true}},
		{name: "new credentials (rotation, owner email, first generation) replace the instance and rewrite the parameters",
			ch:    Changes{FromTier: 3, ToTier: 3, OwnedNetwork: true, Credentials: true, CredentialParams: []string{"/geusemaker/rec/ollama-api-key"}},
			prior: func(s *State) { s.CredentialParams = []string{"/geusemaker/rec/ollama-api-key"} },
			want:  UpdatePlan{Instance: true, Credentials: true, CredentialParams: true}},
		{name: "a parameter deleted outside Terraform is written again, the instance stays",
			ch:    Changes{FromTier: 1, ToTier: 1, OwnedNetwork: true, CredentialParams: []string{"/geusemaker/rec/ollama-api-key", "/geusemaker/rec/qdrant-api-key"}},
			prior: func(s *State) { s.CredentialParams = []string{"/geusemaker/rec/qdrant-api-key"} },
			want:  UpdatePlan{CredentialParams: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prior := full()
			if tc.prior != nil {
				tc.prior(prior)
			}
			if got := PlanUpdate(tc.ch, prior); got != tc.want {
				t.Fatalf("PlanUpdate =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func domainCerts(uses ...string) []DomainCertificate {
	var out []DomainCertificate
	for _, u := range uses {
		out = append(out, DomainCertificate{Use: u, ARN: "arn:aws:acm:us-east-1:123456789012:certificate/" + u})
	}
	return out
}
