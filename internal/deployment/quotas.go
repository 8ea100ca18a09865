package deployment

import (
	"fmt"
	"strconv"
	"strings"
)

// Quota is a Service Quotas quota that a deployment's objects count against.
// This file is the one place that names them: the plan-time checks read
// them, and the apply-time diagnostics (VcpuLimitExceeded, TooMany...) name
// the same quota and how to raise it.
type Quota struct {
	ServiceCode string // Service Quotas service code: ec2, vpc, elasticloadbalancing, ...
	Code        string // L-XXXXXXXX
	Name        string // the quota's name as Service Quotas shows it
	// Global quotas (CloudFront's) are read through us-east-1.
	Global bool
}

// On-demand vCPU quotas, one per instance class
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-on-demand-instances.html#ec2-on-demand-instances-limits).
// A new account has 0 vCPUs for every class but Standard.
var (
	QuotaStandardVCPUs = Quota{"ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", false}
	QuotaGVTVCPUs      = Quota{"ec2", "L-DB2E81BA", "Running On-Demand G and VT instances", false}
	QuotaPVCPUs        = Quota{"ec2", "L-417A185B", "Running On-Demand P instances", false}
	QuotaFVCPUs        = Quota{"ec2", "L-74FC7D96", "Running On-Demand F instances", false}
	QuotaInfVCPUs      = Quota{"ec2", "L-1945791B", "Running On-Demand Inf instances", false}
	QuotaXVCPUs        = Quota{"ec2", "L-7295265B", "Running On-Demand X instances", false}
	QuotaDLVCPUs       = Quota{"ec2", "L-6E869C2A", "Running On-Demand DL instances", false}
	QuotaTrnVCPUs      = Quota{"ec2", "L-2C3B7624", "Running On-Demand Trn instances", false}
	QuotaHPCVCPUs      = Quota{"ec2", "L-F7808C92", "Running On-Demand HPC instances", false}
	QuotaHighMemVCPUs  = Quota{"ec2", "L-43DA4232", "Running On-Demand High Memory instances", false}
)

// Spot vCPU quotas (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html).
var (
	QuotaStandardSpotVCPUs = Quota{"ec2", "L-34B43A08", "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests", false}
	QuotaGVTSpotVCPUs      = Quota{"ec2", "L-3819A6DF", "All G and VT Spot Instance Requests", false}
	QuotaPSpotVCPUs        = Quota{"ec2", "L-7212CCBC", "All P4, P3 and P2 Spot Instance Requests", false}
	QuotaP5SpotVCPUs       = Quota{"ec2", "L-C4BD4855", "All P5 Spot Instance Requests", false}
	QuotaFSpotVCPUs        = Quota{"ec2", "L-88CF9481", "All F Spot Instance Requests", false}
	QuotaInfSpotVCPUs      = Quota{"ec2", "L-B5D1601B", "All Inf Spot Instance Requests", false}
	QuotaXSpotVCPUs        = Quota{"ec2", "L-E3A00192", "All X Spot Instance Requests", false}
	QuotaTrnSpotVCPUs      = Quota{"ec2", "L-6B0D517C", "All Trn Spot Instance Requests", false}
	QuotaDLSpotVCPUs       = Quota{"ec2", "L-85EED4F7", "All DL Spot Instance Requests", false}
)

// Quotas on the objects a deployment creates.
var (
	QuotaVPCs                  = Quota{"vpc", "L-F678F1CE", "VPCs per Region", false}
	QuotaInternetGateways      = Quota{"vpc", "L-A4707A72", "Internet gateways per Region", false}
	QuotaRulesPerGroup         = Quota{"vpc", "L-0EA8095F", "Inbound or outbound rules per security group", false}
	QuotaLoadBalancers         = Quota{"elasticloadbalancing", "L-53DA6B97", "Application Load Balancers per Region", false}
	QuotaTargetGroups          = Quota{"elasticloadbalancing", "L-B22855CB", "Target Groups per Region", false}
	QuotaFileSystems           = Quota{"elasticfilesystem", "L-848C634D", "File systems per account", false}
	QuotaDistributions         = Quota{"cloudfront", "L-24B04930", "Web distributions per AWS account", true}
	QuotaOriginResponseTimeout = Quota{"cloudfront", "L-AECE9FA7", "Response timeout per origin", true}
)

// instanceClass is the vCPU quota class of an instance type, from the
// letters of its family (g4dn is G, inf2 Inf, u-6tb1 High Memory); the
// Standard class covers A, C, D, H, I, M, R, T and Z.
func instanceClass(instanceType string) string {
	family, _, _ := strings.Cut(instanceType, ".")
	for _, p := range []string{"dl", "inf", "trn", "hpc", "vt", "u", "g", "p", "f", "x"} {
		if strings.HasPrefix(family, p) {
			if p == "p" && (strings.HasPrefix(family, "p5") || strings.HasPrefix(family, "p6")) {
				return "p5"
			}
			return p
		}
	}
	return "standard"
}

// OnDemandVCPUQuota is the vCPU quota on-demand instances of a type count
// against.
func OnDemandVCPUQuota(instanceType string) Quota {
	switch instanceClass(instanceType) {
	case "dl":
		return QuotaDLVCPUs
	case "inf":
		return QuotaInfVCPUs
	case "trn":
		return QuotaTrnVCPUs
	case "hpc":
		return QuotaHPCVCPUs
	case "vt", "g":
		return QuotaGVTVCPUs
	case "u":
		return QuotaHighMemVCPUs
	case "p", "p5":
		return QuotaPVCPUs
	case "f":
		return QuotaFVCPUs
	case "x":
		return QuotaXVCPUs
	}
	return QuotaStandardVCPUs
}

// SpotVCPUQuota is the vCPU quota Spot instances of a type count against;
// false for classes without Spot capacity (HPC, High Memory).
func SpotVCPUQuota(instanceType string) (Quota, bool) {
	switch instanceClass(instanceType) {
	case "dl":
		return QuotaDLSpotVCPUs, true
	case "inf":
		return QuotaInfSpotVCPUs, true
	case "trn":
		return QuotaTrnSpotVCPUs, true
	case "hpc", "u":
		return Quota{}, false
	case "vt", "g":
		return QuotaGVTSpotVCPUs, true
	case "p":
		return QuotaPSpotVCPUs, true
	case "p5":
		return QuotaP5SpotVCPUs, true
	case "f":
		return QuotaFSpotVCPUs, true
	case "x":
		return QuotaXSpotVCPUs, true
	}
	return QuotaStandardSpotVCPUs, true
}

// QuotaByCode finds a quota of this file by its code.
func QuotaByCode(code string) (Quota, bool) {
	for _, q := range []Quota{
		QuotaStandardVCPUs, QuotaGVTVCPUs, QuotaPVCPUs, QuotaFVCPUs, QuotaInfVCPUs, QuotaXVCPUs, QuotaDLVCPUs, QuotaTrnVCPUs, QuotaHPCVCPUs, QuotaHighMemVCPUs,
		QuotaStandardSpotVCPUs, QuotaGVTSpotVCPUs, QuotaPSpotVCPUs, QuotaP5SpotVCPUs, QuotaFSpotVCPUs, QuotaInfSpotVCPUs, QuotaXSpotVCPUs, QuotaTrnSpotVCPUs, QuotaDLSpotVCPUs,
		QuotaVPCs, QuotaInternetGateways, QuotaRulesPerGroup, QuotaLoadBalancers, QuotaTargetGroups, QuotaFileSystems, QuotaDistributions, QuotaOriginResponseTimeout,
	} {
		if q.Code == code {
			return q, true
		}
	}
	return Quota{}, false
}

// quotaRegion is where a quota is read and raised: CloudFront's global
// quotas live in us-east-1.
func (q Quota) quotaRegion(region string) string {
	if q.Global {
		return "us-east-1"
	}
	return region
}

// String names the quota with its code, e.g. `"Running On-Demand G and VT
// instances" (L-DB2E81BA)`.
func (q Quota) String() string { return fmt.Sprintf("%q (%s)", q.Name, q.Code) }

// RaiseHint says how to ask for at least desired (0: no particular value):
// the Service Quotas console page of the quota and the CLI command.
func (q Quota) RaiseHint(region string, desired float64) string {
	r := q.quotaRegion(region)
	value := "<value>"
	if desired > 0 {
		value = strconv.FormatFloat(desired, 'f', -1, 64)
	}
	return fmt.Sprintf("Request an increase of %s in the Service Quotas console (https://%s.console.aws.amazon.com/servicequotas/home/services/%s/quotas/%s) or with `aws service-quotas request-service-quota-increase --service-code %s --quota-code %s --desired-value %s --region %s`; increases are usually approved within hours, larger ones through AWS Support.",
		q, r, q.ServiceCode, q.Code, q.ServiceCode, q.Code, value, r)
}
