// Package quota names the AWS service quotas a deployment can run into: the
// quota code, the name the Service Quotas console shows, AWS's default, and
// how to ask for more. It is the one place that maps an instance type to its
// vCPU quota and an AWS error code to the quota behind it: the plan-time
// preflight (internal/deployment/preflight_quotas.go) reads the quotas it
// names, and the apply-time remedies (remedies.go) explain them. It imports
// nothing.
package quota

import (
	"fmt"
	"strings"
)

// Quota is one AWS service quota.
type Quota struct {
	// ServiceCode is the Service Quotas service code: ec2, vpc,
	// elasticloadbalancing, elasticfilesystem, cloudfront, iam, ...
	ServiceCode string
	// Code is the quota code, L-XXXXXXXX.
	Code string
	// Name is the quota's name in the Service Quotas console.
	Name string
	// Default is AWS's default value for a new account.
	Default float64
	// Adjustable says an increase can be requested through Service Quotas.
	Adjustable bool
	// Global quotas are account-wide (CloudFront, IAM); the others are per
	// region.
	Global bool
}

// Label names the quota as a person would search for it: its name and code.
func (q Quota) Label() string {
	return fmt.Sprintf("%q (%s)", q.Name, q.Code)
}

// ConsoleURL is the quota's page in the Service Quotas console, in region
// (global quotas are managed in us-east-1; "" leaves the region to the
// console).
func (q Quota) ConsoleURL(region string) string {
	u := "https://console.aws.amazon.com/servicequotas/home/services/" + q.ServiceCode + "/quotas/" + q.Code
	if r := q.Region(region); r != "" {
		u += "?region=" + r
	}
	return u
}

// IncreaseCommand is the AWS CLI command that requests the quota at desired
// ("N" when desired is 0), in region ("" leaves it to the CLI's default).
func (q Quota) IncreaseCommand(region string, desired int) string {
	value := "N"
	if desired > 0 {
		value = fmt.Sprint(desired)
	}
	cmd := fmt.Sprintf("aws service-quotas request-service-quota-increase --service-code %s --quota-code %s --desired-value %s", q.ServiceCode, q.Code, value)
	if r := q.Region(region); r != "" {
		cmd += " --region " + r
	}
	return cmd
}

// Region is where the quota is read and raised for a deployment in region:
// global quotas (CloudFront, IAM, Route 53) live in us-east-1.
func (q Quota) Region(region string) string {
	if q.Global {
		return "us-east-1"
	}
	return region
}

// HowToRaise says how to request an increase to at least desired (0: the
// value is left to the reader), or that the quota cannot be raised.
func (q Quota) HowToRaise(region string, desired int) string {
	if !q.Adjustable {
		return fmt.Sprintf("The quota %s cannot be raised.", q.Label())
	}
	value := "the value you need"
	if desired > 0 {
		value = fmt.Sprint(desired)
	}
	where := "in the deployment's region"
	switch {
	case q.Global:
		where = "account-wide"
	case region != "":
		where = "in " + region
	}
	return fmt.Sprintf("Request an increase of %s (%s) to at least %s in the Service Quotas console, %s, or with `%s`.",
		q.Label(), where, value, q.ConsoleURL(region), q.IncreaseCommand(region, desired))
}

// On-Demand vCPU quotas (Service Quotas service code ec2), one per instance
// class. A new account starts at 5 standard vCPUs and 0 for every other
// class: https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html
var (
	OnDemandStandard = ec2("L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 5)
	OnDemandGVT      = ec2("L-DB2E81BA", "Running On-Demand G and VT instances", 0)
	OnDemandP        = ec2("L-417A185B", "Running On-Demand P instances", 0)
	OnDemandF        = ec2("L-74FC7D96", "Running On-Demand F instances", 0)
	OnDemandInf      = ec2("L-1945791B", "Running On-Demand Inf instances", 0)
	OnDemandX        = ec2("L-7295265B", "Running On-Demand X instances", 0)
	OnDemandDL       = ec2("L-6E869C2A", "Running On-Demand DL instances", 0)
	OnDemandTrn      = ec2("L-2C3B7624", "Running On-Demand Trn instances", 0)
	OnDemandHPC      = ec2("L-F7808C92", "Running On-Demand HPC instances", 0)
	OnDemandHighMem  = ec2("L-43DA4232", "Running On-Demand High Memory instances", 0)
)

// Spot vCPU quotas, one per instance class:
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html
var (
	SpotStandard = ec2("L-34B43A08", "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests", 5)
	SpotGVT      = ec2("L-3819A6DF", "All G and VT Spot Instance Requests", 0)
	SpotP        = ec2("L-7212CCBC", "All P4, P3 and P2 Spot Instance Requests", 0)
	SpotP5       = ec2("L-C4BD4855", "All P5 Spot Instance Requests", 0)
	SpotF        = ec2("L-88CF9481", "All F Spot Instance Requests", 0)
	SpotInf      = ec2("L-B5D1601B", "All Inf Spot Instance Requests", 0)
	SpotX        = ec2("L-E3A00192", "All X Spot Instance Requests", 0)
	SpotTrn      = ec2("L-6B0D517C", "All Trn Spot Instance Requests", 0)
	SpotDL       = ec2("L-85EED4F7", "All DL Spot Instance Requests", 0)
)

// VPC quotas (service code vpc):
// https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
var (
	VPCs                  = vpc("L-F678F1CE", "VPCs per Region", 5)
	InternetGateways      = vpc("L-A4707A72", "Internet gateways per Region", 5)
	SubnetsPerVPC         = vpc("L-407747CB", "Subnets per VPC", 200)
	RouteTablesPerVPC     = vpc("L-589F43AA", "Route tables per VPC", 200)
	SecurityGroups        = vpc("L-E79EC296", "VPC security groups per Region", 2500)
	RulesPerSecurityGroup = vpc("L-0EA8095F", "Inbound or outbound rules per security group", 60)
	SecurityGroupsPerENI  = vpc("L-2AFB9258", "Security groups per network interface", 5)
	NetworkInterfaces     = vpc("L-DF5E4CA3", "Network interfaces per Region", 5000)
	ElasticIPs            = ec2("L-0263D0A3", "EC2-VPC Elastic IPs", 5)
)

// Elastic Load Balancing quotas (service code elasticloadbalancing):
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
var (
	LoadBalancers          = elb("L-53DA6B97", "Application Load Balancers per Region", 50, true)
	TargetGroups           = elb("L-B22855CB", "Target Groups per Region", 3000, true)
	ListenersPerALB        = elb("L-B6DF7632", "Listeners per Application Load Balancer", 50, true)
	RulesPerALB            = elb("L-7EED9B64", "Rules per Application Load Balancer", 100, true)
	TargetsPerTG           = elb("L-A0D0B863", "Targets per Target Group per Region", 1000, true)
	TargetGroupsPerALB     = elb("L-822D1B1B", "Target Groups per Application Load Balancer", 100, false)
	ConditionValuesPerRule = elb("L-EBC0C08B", "Condition Values per Rule", 5, false)
)

// Other services' quotas the deployment's objects count against.
var (
	// https://docs.aws.amazon.com/efs/latest/ug/limits.html
	FileSystems = Quota{ServiceCode: "elasticfilesystem", Code: "L-848C634D", Name: "File systems per account", Default: 1000, Adjustable: true}
	// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
	Distributions     = Quota{ServiceCode: "cloudfront", Code: "L-24B04930", Name: "Web distributions per AWS account", Default: 200, Adjustable: true, Global: true}
	OriginReadTimeout = Quota{ServiceCode: "cloudfront", Code: "L-AECE9FA7", Name: "Response timeout per origin", Default: 60, Adjustable: true, Global: true}
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
	Roles                  = iam("L-FE177D64", "Roles per account", 1000)
	InstanceProfiles       = iam("L-6E65F664", "Instance profiles per account", 1000)
	ManagedPoliciesPerRole = iam("L-0DA4ABF3", "Managed policies per role", 10)
	RoleTrustPolicyLength  = iam("L-C07B4B0D", "Role trust policy length", 2048)
	// https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html
	Certificates = Quota{ServiceCode: "acm", Code: "L-F141DD1D", Name: "ACM certificates", Default: 2500, Adjustable: true}
	// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html
	HostedZones = Quota{ServiceCode: "route53", Code: "L-4EA4796A", Name: "Hosted zones", Default: 500, Adjustable: true, Global: true}
)

func ec2(code, name string, def float64) Quota {
	return Quota{ServiceCode: "ec2", Code: code, Name: name, Default: def, Adjustable: true}
}

func vpc(code, name string, def float64) Quota {
	return Quota{ServiceCode: "vpc", Code: code, Name: name, Default: def, Adjustable: true}
}

func elb(code, name string, def float64, adjustable bool) Quota {
	return Quota{ServiceCode: "elasticloadbalancing", Code: code, Name: name, Default: def, Adjustable: adjustable}
}

func iam(code, name string, def float64) Quota {
	return Quota{ServiceCode: "iam", Code: code, Name: name, Default: def, Adjustable: true, Global: true}
}

// All lists every quota the package knows.
func All() []Quota {
	return []Quota{
		OnDemandStandard, OnDemandGVT, OnDemandP, OnDemandF, OnDemandInf, OnDemandX, OnDemandDL, OnDemandTrn, OnDemandHPC, OnDemandHighMem,
		SpotStandard, SpotGVT, SpotP, SpotP5, SpotF, SpotInf, SpotX, SpotTrn, SpotDL,
		VPCs, InternetGateways, SubnetsPerVPC, RouteTablesPerVPC, SecurityGroups, RulesPerSecurityGroup, SecurityGroupsPerENI, NetworkInterfaces, ElasticIPs,
		LoadBalancers, TargetGroups, ListenersPerALB, RulesPerALB, TargetsPerTG, TargetGroupsPerALB, ConditionValuesPerRule,
		FileSystems, Distributions, OriginReadTimeout,
		Roles, InstanceProfiles, ManagedPoliciesPerRole, RoleTrustPolicyLength,
		Certificates, HostedZones,
	}
}

// ByCode finds a quota of All by its code.
func ByCode(code string) (Quota, bool) {
	for _, q := range All() {
		if q.Code == code {
			return q, true
		}
	}
	return Quota{}, false
}

// class is an instance class: the letters of the family that decide which
// vCPU quota an instance counts against.
type class int

const (
	classStandard class = iota
	classGVT
	classP
	classP5
	classF
	classInf
	classX
	classDL
	classTrn
	classHPC
	classHighMem
)

// classOf reads the class from the family part of an instance type: g4dn is
// G, vt1 is VT, inf2 is Inf, u-6tb1 is High Memory; everything the other
// classes do not claim (a, c, d, h, i, m, r, t, z) is standard.
func classOf(instanceType string) class {
	family, _, _ := strings.Cut(strings.ToLower(instanceType), ".")
	switch {
	case strings.HasPrefix(family, "u-"), strings.HasPrefix(family, "u7"):
		return classHighMem
	case strings.HasPrefix(family, "dl"):
		return classDL
	case strings.HasPrefix(family, "inf"):
		return classInf
	case strings.HasPrefix(family, "trn"):
		return classTrn
	case strings.HasPrefix(family, "hpc"):
		return classHPC
	case strings.HasPrefix(family, "vt"), strings.HasPrefix(family, "g"):
		return classGVT
	case strings.HasPrefix(family, "p5"), strings.HasPrefix(family, "p6"):
		return classP5
	case strings.HasPrefix(family, "p"):
		return classP
	case strings.HasPrefix(family, "f"):
		return classF
	case strings.HasPrefix(family, "x"):
		return classX
	}
	return classStandard
}

// OnDemandVCPU is the On-Demand vCPU quota an instance type counts against.
func OnDemandVCPU(instanceType string) Quota {
	switch classOf(instanceType) {
	case classGVT:
		return OnDemandGVT
	case classP, classP5:
		return OnDemandP
	case classF:
		return OnDemandF
	case classInf:
		return OnDemandInf
	case classX:
		return OnDemandX
	case classDL:
		return OnDemandDL
	case classTrn:
		return OnDemandTrn
	case classHPC:
		return OnDemandHPC
	case classHighMem:
		return OnDemandHighMem
	}
	return OnDemandStandard
}

// SpotVCPU is the Spot vCPU quota an instance type counts against; ok is
// false for classes that have no Spot capacity (HPC, High Memory).
func SpotVCPU(instanceType string) (q Quota, ok bool) {
	switch classOf(instanceType) {
	case classGVT:
		return SpotGVT, true
	case classP:
		return SpotP, true
	case classP5:
		return SpotP5, true
	case classF:
		return SpotF, true
	case classInf:
		return SpotInf, true
	case classX:
		return SpotX, true
	case classDL:
		return SpotDL, true
	case classTrn:
		return SpotTrn, true
	case classHPC, classHighMem:
		return Quota{}, false
	}
	return SpotStandard, true
}

// ForErrorCode is the quota behind an AWS error code that says a quota was
// reached, when the code alone names it. service is the Service Quotas
// service code of the service that answered (two services use
// SecurityGroupLimitExceeded for different limits); "" accepts any.
// VcpuLimitExceeded and IAM's LimitExceeded need more than the code
// (OnDemandVCPU, IAMLimit).
func ForErrorCode(service, code string) (Quota, bool) {
	switch code {
	case "VpcLimitExceeded":
		return VPCs, true
	case "InternetGatewayLimitExceeded":
		return InternetGateways, true
	case "SubnetLimitExceeded":
		return SubnetsPerVPC, true
	case "RouteTableLimitExceeded":
		return RouteTablesPerVPC, true
	case "SecurityGroupLimitExceeded":
		if service == "elasticfilesystem" {
			return Quota{}, false // five groups per mount target, a fixed limit
		}
		return SecurityGroups, true
	case "RulesPerSecurityGroupLimitExceeded":
		return RulesPerSecurityGroup, true
	case "SecurityGroupsPerInterfaceLimitExceeded":
		return SecurityGroupsPerENI, true
	case "NetworkInterfaceLimitExceeded":
		return NetworkInterfaces, true
	case "AddressLimitExceeded":
		return ElasticIPs, true
	case "TooManyLoadBalancers":
		return LoadBalancers, true
	case "TooManyTargetGroups":
		return TargetGroups, true
	case "TooManyListeners":
		return ListenersPerALB, true
	case "TooManyRules":
		return RulesPerALB, true
	case "TooManyTargets":
		return TargetsPerTG, true
	case "TooManyUniqueTargetGroupsPerLoadBalancer":
		return TargetGroupsPerALB, true
	case "FileSystemLimitExceeded":
		return FileSystems, true
	case "TooManyDistributions":
		return Distributions, true
	case "InvalidOriginReadTimeout":
		return OriginReadTimeout, true
	case "TooManyHostedZones":
		return HostedZones, true
	}
	return Quota{}, false
}

// IAMLimit is the quota an IAM LimitExceeded message names ("Cannot exceed
// quota for RolesPerAccount: 1000").
func IAMLimit(message string) (Quota, bool) {
	for key, q := range map[string]Quota{
		"RolesPerAccount":            Roles,
		"InstanceProfilesPerAccount": InstanceProfiles,
		"PoliciesPerRole":            ManagedPoliciesPerRole,
		"ACLSizePerRole":             RoleTrustPolicyLength,
	} {
		if strings.Contains(message, key) {
			return q, true
		}
	}
	return Quota{}, false
}
