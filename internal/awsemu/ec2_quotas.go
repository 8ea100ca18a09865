package awsemu

import (
	"strconv"
	"strings"
	"time"
)

// EC2 and VPC quotas the EC2 emulation enforces. Each is registered in the
// quota table (quotas.go) with AWS's default, so that the limit RunInstances
// or CreateVpc applies and the value Service Quotas reports are one number;
// the knob quota.<code> overrides it (quota.L-DB2E81BA=8 is an account whose
// G and VT quota was raised to 8 vCPUs).

// On-demand and Spot vCPU quotas, per instance class.
const (
	quotaStandardOnDemand = "L-1216C47A"
	quotaGVTOnDemand      = "L-DB2E81BA"
	quotaPOnDemand        = "L-417A185B"
	quotaFOnDemand        = "L-74FC7D96"
	quotaInfOnDemand      = "L-1945791B"
	quotaXOnDemand        = "L-7295265B"
	quotaDLOnDemand       = "L-6E869C2A"
	quotaTrnOnDemand      = "L-2C3B7624"
	quotaHPCOnDemand      = "L-F7808C92"
	quotaHighMemOnDemand  = "L-43DA4232"

	quotaStandardSpot = "L-34B43A08"
	quotaGVTSpot      = "L-3819A6DF"
	quotaPSpot        = "L-7212CCBC" // P2, P3 and P4
	quotaP5Spot       = "L-C4BD4855"
	quotaFSpot        = "L-88CF9481"
	quotaInfSpot      = "L-B5D1601B"
	quotaXSpot        = "L-E3A00192"
	quotaTrnSpot      = "L-6B0D517C"
	quotaDLSpot       = "L-85EED4F7"
)

// VPC quotas (Service Quotas service code "vpc").
const (
	quotaVPCs               = "L-F678F1CE"
	quotaInternetGateways   = "L-A4707A72"
	quotaSubnetsPerVPC      = "L-407747CB"
	quotaRouteTablesPerVPC  = "L-589F43AA"
	quotaSecurityGroups     = "L-E79EC296"
	quotaRulesPerGroup      = "L-0EA8095F"
	quotaGroupsPerInterface = "L-2AFB9258"
	quotaInterfaces         = "L-DF5E4CA3"
)

func init() {
	vcpuMetric := func(class string) *QuotaUsageMetric {
		return &QuotaUsageMetric{Namespace: "AWS/Usage", Name: "ResourceCount", Statistic: "Maximum",
			Dimensions: map[string]string{"Class": class, "Resource": "vCPU", "Service": "EC2", "Type": "Resource"}}
	}
	ec2 := func(code, name string, def float64, class string) {
		RegisterQuota(QuotaDef{ServiceCode: "ec2", Code: code, Name: name, Default: def, Adjustable: true, UsageMetric: vcpuMetric(class)})
	}
	// AWS's defaults as Service Quotas reports them: 5 vCPUs for the
	// standard families, 0 for every accelerated and special family.
	ec2(quotaStandardOnDemand, "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", 5, "Standard/OnDemand")
	ec2(quotaGVTOnDemand, "Running On-Demand G and VT instances", 0, "G/OnDemand")
	ec2(quotaPOnDemand, "Running On-Demand P instances", 0, "P/OnDemand")
	ec2(quotaFOnDemand, "Running On-Demand F instances", 0, "F/OnDemand")
	ec2(quotaInfOnDemand, "Running On-Demand Inf instances", 0, "Inf/OnDemand")
	ec2(quotaXOnDemand, "Running On-Demand X instances", 0, "X/OnDemand")
	ec2(quotaDLOnDemand, "Running On-Demand DL instances", 0, "DL/OnDemand")
	ec2(quotaTrnOnDemand, "Running On-Demand Trn instances", 0, "Trn/OnDemand")
	ec2(quotaHPCOnDemand, "Running On-Demand HPC instances", 0, "HPC/OnDemand")
	ec2(quotaHighMemOnDemand, "Running On-Demand High Memory instances", 0, "HighMem/OnDemand")
	ec2(quotaStandardSpot, "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests", 5, "Standard/Spot")
	ec2(quotaGVTSpot, "All G and VT Spot Instance Requests", 0, "G/Spot")
	ec2(quotaPSpot, "All P4, P3 and P2 Spot Instance Requests", 0, "P/Spot")
	ec2(quotaP5Spot, "All P5 Spot Instance Requests", 0, "P5/Spot")
	ec2(quotaFSpot, "All F Spot Instance Requests", 0, "F/Spot")
	ec2(quotaInfSpot, "All Inf Spot Instance Requests", 0, "Inf/Spot")
	ec2(quotaXSpot, "All X Spot Instance Requests", 0, "X/Spot")
	ec2(quotaTrnSpot, "All Trn Spot Instance Requests", 0, "Trn/Spot")
	ec2(quotaDLSpot, "All DL Spot Instance Requests", 0, "DL/Spot")

	vpc := func(code, name string, def float64) {
		// Service Quotas has answered NoSuchResourceException for VPC quotas
		// that were never changed (terraform-provider-aws#10929, #13075):
		// the stricter behaviour is kept.
		RegisterQuota(QuotaDef{ServiceCode: "vpc", Code: code, Name: name, Default: def, Adjustable: true, AppliedOnlyWhenChanged: true})
	}
	vpc(quotaVPCs, "VPCs per Region", 5)
	vpc(quotaInternetGateways, "Internet gateways per Region", 5)
	vpc(quotaSubnetsPerVPC, "Subnets per VPC", 200)
	vpc(quotaRouteTablesPerVPC, "Route tables per VPC", 200)
	vpc(quotaSecurityGroups, "VPC security groups per Region", 2500)
	vpc(quotaRulesPerGroup, "Inbound or outbound rules per security group", 60)
	vpc(quotaGroupsPerInterface, "Security groups per network interface", 5)
	vpc(quotaInterfaces, "Network interfaces per Region", 5000)
}

// vcpuQuotas returns the on-demand and Spot vCPU quota codes of an instance
// type, from the letters of its family: g4dn is G, inf2 is Inf, u-6tb1 is
// High Memory. Spot is "" for classes that have no Spot capacity.
func vcpuQuotas(typeName string) (onDemand, spot string) {
	family, _, _ := strings.Cut(typeName, ".")
	switch {
	case strings.HasPrefix(family, "u-"):
		return quotaHighMemOnDemand, ""
	case strings.HasPrefix(family, "dl"):
		return quotaDLOnDemand, quotaDLSpot
	case strings.HasPrefix(family, "inf"):
		return quotaInfOnDemand, quotaInfSpot
	case strings.HasPrefix(family, "trn"):
		return quotaTrnOnDemand, quotaTrnSpot
	case strings.HasPrefix(family, "hpc"):
		return quotaHPCOnDemand, ""
	case strings.HasPrefix(family, "vt"), strings.HasPrefix(family, "g"):
		return quotaGVTOnDemand, quotaGVTSpot
	case strings.HasPrefix(family, "p5"), strings.HasPrefix(family, "p6"):
		return quotaPOnDemand, quotaP5Spot
	case strings.HasPrefix(family, "p"):
		return quotaPOnDemand, quotaPSpot
	case strings.HasPrefix(family, "f"):
		return quotaFOnDemand, quotaFSpot
	case strings.HasPrefix(family, "x"):
		return quotaXOnDemand, quotaXSpot
	}
	return quotaStandardOnDemand, quotaStandardSpot
}

// holdsCapacity reports whether an instance counts against its vCPU quota at
// now. AWS counts running instances; the emulator also counts pending,
// stopping and shutting-down ones, which still hold their host (stricter).
func holdsCapacity(state string) bool {
	return state != "stopped" && state != "terminated"
}

// vcpusInUse sums the vCPUs of the region's instances that count against
// quota code (on-demand quotas count on-demand instances, Spot quotas Spot
// instances), leaving out the instances in skip.
func (s *ec2Service) vcpusInUse(code string, now time.Time, skip map[string]bool) int {
	n := 0
	for _, inst := range s.instances {
		if skip[inst.id] || !holdsCapacity(inst.tl.State(now)) {
			continue
		}
		od, spot := vcpuQuotas(inst.instType)
		q := od
		if inst.lifecycle == "spot" {
			q = spot
		}
		if q != code {
			continue
		}
		if t, ok := lookupInstanceType(inst.instType); ok {
			n += int(t.vcpus)
		}
	}
	return n
}

func quotaNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func vcpuLimitExceeded(limit float64) *APIError {
	return Errorf("VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of %s allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", quotaNumber(limit))
}

// checkVCPUs fails when adding want vCPUs of quota code to what the region
// already runs would exceed the quota: VcpuLimitExceeded for on-demand,
// MaxSpotInstanceCountExceeded for Spot.
func (s *ec2Service) checkVCPUs(code string, want int, now time.Time, skip map[string]bool) error {
	limit := s.e.Quota(code)
	if float64(s.vcpusInUse(code, now, skip)+want) <= limit {
		return nil
	}
	if q, ok := QuotaDefinition(code); ok && strings.HasSuffix(q.Name, "Spot Instance Requests") {
		return Errorf("MaxSpotInstanceCountExceeded", "Max spot instance count exceeded")
	}
	return vcpuLimitExceeded(limit)
}

// countLimit fails with code when a region or VPC already holds quota's
// number of objects.
func (s *ec2Service) countLimit(quota string, have int, code, what string) error {
	if float64(have) >= s.e.Quota(quota) {
		return Errorf(code, "The maximum number of %s has been reached.", what)
	}
	return nil
}
