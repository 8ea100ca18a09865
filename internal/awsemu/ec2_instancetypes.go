package awsemu

import (
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2InstanceType is one row of the emulated DescribeInstanceTypes table.
// Numbers are the published ones (vCPUs, MiB of memory, sustained clock,
// GPU model, count and memory as DescribeInstanceTypes reports them).
type ec2InstanceType struct {
	name      string
	vcpus     int32
	memMiB    int64
	arch      string // x86_64 | arm64
	cpuMaker  string // Intel | AMD | AWS
	clockGHz  float64
	burstable bool
	network   string
	gpuName   string
	gpuCount  int32
	gpuMemMiB int32 // per GPU
	xen       bool  // runs on the Xen hypervisor rather than Nitro
}

func (t *ec2InstanceType) isGPU() bool { return t.gpuCount > 0 }

func (t *ec2InstanceType) totalGPUMemMiB() int32 { return t.gpuCount * t.gpuMemMiB }

// GPU memory per device in MiB, as reported by EC2.
const (
	gpuMemT4   = 16384
	gpuMemA10G = 24576
	gpuMemL4   = 22888
	gpuMemL40S = 45776
	gpuMemT4g  = 16384
	gpuMemV100 = 16384
	gpuMemA100 = 40960
	gpuMemH100 = 81920
	gpuMemM60  = 8192
)

var ec2InstanceTypes = []ec2InstanceType{
	// Burstable general purpose
	{name: "t3.micro", vcpus: 2, memMiB: 1024, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t3.small", vcpus: 2, memMiB: 2048, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t3.medium", vcpus: 2, memMiB: 4096, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t3.large", vcpus: 2, memMiB: 8192, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t3.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t3.2xlarge", vcpus: 8, memMiB: 32768, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t4g.small", vcpus: 2, memMiB: 2048, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t4g.medium", vcpus: 2, memMiB: 4096, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t4g.large", vcpus: 2, memMiB: 8192, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	{name: "t4g.xlarge", vcpus: 4, memMiB: 16384, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.5, burstable: true, network: "Up to 5 Gigabit"},
	// General purpose
	{name: "m5.large", vcpus: 2, memMiB: 8192, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.1, network: "Up to 10 Gigabit"},
	{name: "m5.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.1, network: "Up to 10 Gigabit"},
	{name: "m5.2xlarge", vcpus: 8, memMiB: 32768, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.1, network: "Up to 10 Gigabit"},
	{name: "m6i.large", vcpus: 2, memMiB: 8192, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.5, network: "Up to 12.5 Gigabit"},
	{name: "m6i.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.5, network: "Up to 12.5 Gigabit"},
	{name: "m6i.2xlarge", vcpus: 8, memMiB: 32768, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.5, network: "Up to 12.5 Gigabit"},
	{name: "m7i.large", vcpus: 2, memMiB: 8192, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.2, network: "Up to 12.5 Gigabit"},
	{name: "m7i.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.2, network: "Up to 12.5 Gigabit"},
	{name: "m7g.large", vcpus: 2, memMiB: 8192, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.6, network: "Up to 12.5 Gigabit"},
	{name: "m7g.xlarge", vcpus: 4, memMiB: 16384, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.6, network: "Up to 12.5 Gigabit"},
	// Compute optimized
	{name: "c6i.large", vcpus: 2, memMiB: 4096, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.5, network: "Up to 12.5 Gigabit"},
	{name: "c6i.xlarge", vcpus: 4, memMiB: 8192, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.5, network: "Up to 12.5 Gigabit"},
	{name: "c6i.2xlarge", vcpus: 8, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.5, network: "Up to 12.5 Gigabit"},
	{name: "c7g.large", vcpus: 2, memMiB: 4096, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.6, network: "Up to 12.5 Gigabit"},
	{name: "c7g.xlarge", vcpus: 4, memMiB: 8192, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.6, network: "Up to 12.5 Gigabit"},
	// Memory optimized
	{name: "r6i.large", vcpus: 2, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.5, network: "Up to 12.5 Gigabit"},
	{name: "r6i.xlarge", vcpus: 4, memMiB: 32768, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.5, network: "Up to 12.5 Gigabit"},
	// G4dn: NVIDIA T4, Intel Cascade Lake
	{name: "g4dn.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, network: "Up to 25 Gigabit", gpuName: "T4", gpuCount: 1, gpuMemMiB: gpuMemT4},
	{name: "g4dn.2xlarge", vcpus: 8, memMiB: 32768, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, network: "Up to 25 Gigabit", gpuName: "T4", gpuCount: 1, gpuMemMiB: gpuMemT4},
	{name: "g4dn.4xlarge", vcpus: 16, memMiB: 65536, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, network: "Up to 25 Gigabit", gpuName: "T4", gpuCount: 1, gpuMemMiB: gpuMemT4},
	{name: "g4dn.8xlarge", vcpus: 32, memMiB: 131072, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, network: "50 Gigabit", gpuName: "T4", gpuCount: 1, gpuMemMiB: gpuMemT4},
	{name: "g4dn.12xlarge", vcpus: 48, memMiB: 196608, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, network: "50 Gigabit", gpuName: "T4", gpuCount: 4, gpuMemMiB: gpuMemT4},
	{name: "g4dn.16xlarge", vcpus: 64, memMiB: 262144, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, network: "50 Gigabit", gpuName: "T4", gpuCount: 1, gpuMemMiB: gpuMemT4},
	// G5: NVIDIA A10G, AMD EPYC 7R32
	{name: "g5.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.3, network: "Up to 10 Gigabit", gpuName: "A10G", gpuCount: 1, gpuMemMiB: gpuMemA10G},
	{name: "g5.2xlarge", vcpus: 8, memMiB: 32768, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.3, network: "Up to 10 Gigabit", gpuName: "A10G", gpuCount: 1, gpuMemMiB: gpuMemA10G},
	{name: "g5.4xlarge", vcpus: 16, memMiB: 65536, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.3, network: "Up to 25 Gigabit", gpuName: "A10G", gpuCount: 1, gpuMemMiB: gpuMemA10G},
	{name: "g5.8xlarge", vcpus: 32, memMiB: 131072, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.3, network: "25 Gigabit", gpuName: "A10G", gpuCount: 1, gpuMemMiB: gpuMemA10G},
	{name: "g5.12xlarge", vcpus: 48, memMiB: 196608, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.3, network: "40 Gigabit", gpuName: "A10G", gpuCount: 4, gpuMemMiB: gpuMemA10G},
	{name: "g5.16xlarge", vcpus: 64, memMiB: 262144, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.3, network: "25 Gigabit", gpuName: "A10G", gpuCount: 1, gpuMemMiB: gpuMemA10G},
	{name: "g5.24xlarge", vcpus: 96, memMiB: 393216, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.3, network: "50 Gigabit", gpuName: "A10G", gpuCount: 4, gpuMemMiB: gpuMemA10G},
	{name: "g5.48xlarge", vcpus: 192, memMiB: 786432, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.3, network: "100 Gigabit", gpuName: "A10G", gpuCount: 8, gpuMemMiB: gpuMemA10G},
	// G6: NVIDIA L4, AMD EPYC 7R13
	{name: "g6.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.6, network: "Up to 10 Gigabit", gpuName: "L4", gpuCount: 1, gpuMemMiB: gpuMemL4},
	{name: "g6.2xlarge", vcpus: 8, memMiB: 32768, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.6, network: "Up to 10 Gigabit", gpuName: "L4", gpuCount: 1, gpuMemMiB: gpuMemL4},
	{name: "g6.4xlarge", vcpus: 16, memMiB: 65536, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.6, network: "Up to 25 Gigabit", gpuName: "L4", gpuCount: 1, gpuMemMiB: gpuMemL4},
	{name: "g6.8xlarge", vcpus: 32, memMiB: 131072, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.6, network: "25 Gigabit", gpuName: "L4", gpuCount: 1, gpuMemMiB: gpuMemL4},
	{name: "g6.12xlarge", vcpus: 48, memMiB: 196608, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.6, network: "40 Gigabit", gpuName: "L4", gpuCount: 4, gpuMemMiB: gpuMemL4},
	// G6e: NVIDIA L40S, AMD EPYC 7R13
	{name: "g6e.xlarge", vcpus: 4, memMiB: 32768, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.6, network: "Up to 20 Gigabit", gpuName: "L40S", gpuCount: 1, gpuMemMiB: gpuMemL40S},
	{name: "g6e.2xlarge", vcpus: 8, memMiB: 65536, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.6, network: "Up to 20 Gigabit", gpuName: "L40S", gpuCount: 1, gpuMemMiB: gpuMemL40S},
	// G5g: NVIDIA T4g, AWS Graviton2
	{name: "g5g.xlarge", vcpus: 4, memMiB: 8192, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.5, network: "Up to 10 Gigabit", gpuName: "T4g", gpuCount: 1, gpuMemMiB: gpuMemT4g},
	{name: "g5g.2xlarge", vcpus: 8, memMiB: 16384, arch: "arm64", cpuMaker: "AWS", clockGHz: 2.5, network: "Up to 10 Gigabit", gpuName: "T4g", gpuCount: 1, gpuMemMiB: gpuMemT4g},
	// P3: NVIDIA V100, Intel Broadwell E5-2686 v4 (Xen)
	{name: "p3.2xlarge", vcpus: 8, memMiB: 62464, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.7, network: "Up to 10 Gigabit", gpuName: "V100", gpuCount: 1, gpuMemMiB: gpuMemV100, xen: true},
	{name: "p3.8xlarge", vcpus: 32, memMiB: 249856, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.7, network: "10 Gigabit", gpuName: "V100", gpuCount: 4, gpuMemMiB: gpuMemV100, xen: true},
	{name: "p3.16xlarge", vcpus: 64, memMiB: 499712, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.7, network: "25 Gigabit", gpuName: "V100", gpuCount: 8, gpuMemMiB: gpuMemV100, xen: true},
	// G3: NVIDIA Tesla M60, Intel Broadwell E5-2686 v4 (Xen)
	{name: "g3s.xlarge", vcpus: 4, memMiB: 31232, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "Up to 10 Gigabit", gpuName: "M60", gpuCount: 1, gpuMemMiB: gpuMemM60, xen: true},
	{name: "g3.4xlarge", vcpus: 16, memMiB: 124928, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "Up to 10 Gigabit", gpuName: "M60", gpuCount: 1, gpuMemMiB: gpuMemM60, xen: true},
	{name: "g3.8xlarge", vcpus: 32, memMiB: 249856, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "10 Gigabit", gpuName: "M60", gpuCount: 2, gpuMemMiB: gpuMemM60, xen: true},
	{name: "g3.16xlarge", vcpus: 64, memMiB: 499712, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "20 Gigabit", gpuName: "M60", gpuCount: 4, gpuMemMiB: gpuMemM60, xen: true},
	// Previous Xen-based families, still offered: T2, M4, C4, R4, X1
	{name: "t2.micro", vcpus: 1, memMiB: 1024, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, burstable: true, network: "Low to Moderate", xen: true},
	{name: "t2.small", vcpus: 1, memMiB: 2048, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.5, burstable: true, network: "Low to Moderate", xen: true},
	{name: "t2.medium", vcpus: 2, memMiB: 4096, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, burstable: true, network: "Low to Moderate", xen: true},
	{name: "t2.large", vcpus: 2, memMiB: 8192, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, burstable: true, network: "Low to Moderate", xen: true},
	{name: "t2.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, burstable: true, network: "Moderate", xen: true},
	{name: "t2.2xlarge", vcpus: 8, memMiB: 32768, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, burstable: true, network: "Moderate", xen: true},
	{name: "m4.large", vcpus: 2, memMiB: 8192, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.4, network: "Moderate", xen: true},
	{name: "m4.xlarge", vcpus: 4, memMiB: 16384, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.4, network: "High", xen: true},
	{name: "m4.2xlarge", vcpus: 8, memMiB: 32768, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.4, network: "High", xen: true},
	{name: "m4.4xlarge", vcpus: 16, memMiB: 65536, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.4, network: "High", xen: true},
	{name: "c4.large", vcpus: 2, memMiB: 3840, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.9, network: "Moderate", xen: true},
	{name: "c4.xlarge", vcpus: 4, memMiB: 7680, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.9, network: "High", xen: true},
	{name: "c4.2xlarge", vcpus: 8, memMiB: 15360, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.9, network: "High", xen: true},
	{name: "c4.4xlarge", vcpus: 16, memMiB: 30720, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.9, network: "High", xen: true},
	{name: "r4.large", vcpus: 2, memMiB: 15616, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "Up to 10 Gigabit", xen: true},
	{name: "r4.xlarge", vcpus: 4, memMiB: 31232, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "Up to 10 Gigabit", xen: true},
	{name: "r4.2xlarge", vcpus: 8, memMiB: 62464, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "Up to 10 Gigabit", xen: true},
	{name: "x1.16xlarge", vcpus: 64, memMiB: 999424, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "10 Gigabit", xen: true},
	{name: "x1.32xlarge", vcpus: 128, memMiB: 1998848, arch: "x86_64", cpuMaker: "Intel", clockGHz: 2.3, network: "25 Gigabit", xen: true},
	// P4d: NVIDIA A100 40 GB, Intel Cascade Lake 8275CL
	{name: "p4d.24xlarge", vcpus: 96, memMiB: 1179648, arch: "x86_64", cpuMaker: "Intel", clockGHz: 3.0, network: "4x 100 Gigabit", gpuName: "A100", gpuCount: 8, gpuMemMiB: gpuMemA100},
	// P5: NVIDIA H100 80 GB, AMD EPYC 7R13
	{name: "p5.48xlarge", vcpus: 192, memMiB: 2097152, arch: "x86_64", cpuMaker: "AMD", clockGHz: 3.6, network: "3200 Gigabit", gpuName: "H100", gpuCount: 8, gpuMemMiB: gpuMemH100},
}

var ec2InstanceTypeIndex = func() map[string]*ec2InstanceType {
	m := map[string]*ec2InstanceType{}
	for i := range ec2InstanceTypes {
		m[ec2InstanceTypes[i].name] = &ec2InstanceTypes[i]
	}
	return m
}()

func lookupInstanceType(name string) (*ec2InstanceType, bool) {
	t, ok := ec2InstanceTypeIndex[name]
	return t, ok
}

func (t *ec2InstanceType) hypervisor() types.InstanceTypeHypervisor {
	if t.xen {
		return types.InstanceTypeHypervisorXen
	}
	return types.InstanceTypeHypervisorNitro
}

func (t *ec2InstanceType) info() types.InstanceTypeInfo {
	threads := int32(2)
	if t.arch == "arm64" {
		threads = 1
	}
	out := types.InstanceTypeInfo{
		InstanceType: types.InstanceType(t.name), CurrentGeneration: aws.Bool(!(t.name[:2] == "p3")),
		FreeTierEligible: aws.Bool(t.name == "t3.micro"), BareMetal: aws.Bool(false), Hypervisor: t.hypervisor(),
		BurstablePerformanceSupported: aws.Bool(t.burstable), HibernationSupported: aws.Bool(!t.isGPU() && t.arch == "x86_64"),
		SupportedUsageClasses:        []types.UsageClassType{types.UsageClassTypeOnDemand, types.UsageClassTypeSpot},
		SupportedRootDeviceTypes:     []types.RootDeviceType{types.RootDeviceTypeEbs},
		SupportedVirtualizationTypes: []types.VirtualizationType{types.VirtualizationTypeHvm},
		ProcessorInfo: &types.ProcessorInfo{Manufacturer: aws.String(t.cpuMaker), SustainedClockSpeedInGhz: aws.Float64(t.clockGHz),
			SupportedArchitectures: []types.ArchitectureType{types.ArchitectureType(t.arch)}},
		VCpuInfo:   &types.VCpuInfo{DefaultVCpus: aws.Int32(t.vcpus), DefaultCores: aws.Int32(t.vcpus / threads), DefaultThreadsPerCore: aws.Int32(threads)},
		MemoryInfo: &types.MemoryInfo{SizeInMiB: aws.Int64(t.memMiB)},
		EbsInfo: &types.EbsInfo{EbsOptimizedSupport: types.EbsOptimizedSupportDefault, EncryptionSupport: types.EbsEncryptionSupportSupported,
			NvmeSupport: types.EbsNvmeSupportRequired},
		NetworkInfo:       &types.NetworkInfo{NetworkPerformance: aws.String(t.network), EnaSupport: types.EnaSupportRequired},
		SupportedInRegion: aws.Bool(true),
	}
	if t.xen {
		// Xen instances attach EBS without NVMe; T2, C4 and M4 (below
		// 16xlarge) have no ENA either.
		out.EbsInfo.NvmeSupport = types.EbsNvmeSupportUnsupported
		out.NetworkInfo.EnaSupport = types.EnaSupportSupported
		switch family, _, _ := strings.Cut(t.name, "."); family {
		case "t2", "c4", "m4":
			out.NetworkInfo.EnaSupport = types.EnaSupportUnsupported
		}
	}
	if t.isGPU() {
		out.GpuInfo = &types.GpuInfo{
			Gpus: []types.GpuDeviceInfo{{Name: aws.String(t.gpuName), Manufacturer: aws.String("NVIDIA"), Count: aws.Int32(t.gpuCount),
				MemoryInfo: &types.GpuDeviceMemoryInfo{SizeInMiB: aws.Int32(t.gpuMemMiB)}}},
			TotalGpuMemoryInMiB: aws.Int32(t.totalGPUMemMiB()),
		}
	}
	return out
}

func (s *ec2Service) DescribeInstanceTypes(c *Call, in *ec2.DescribeInstanceTypesInput) (*ec2.DescribeInstanceTypesOutput, error) {
	var items []*ec2InstanceType
	if len(in.InstanceTypes) > 0 {
		var missing []string
		for _, n := range in.InstanceTypes {
			t, ok := lookupInstanceType(string(n))
			if !ok {
				missing = append(missing, string(n))
				continue
			}
			items = append(items, t)
		}
		if len(missing) > 0 {
			return nil, Errorf("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", joinComma(missing))
		}
	} else {
		for i := range ec2InstanceTypes {
			items = append(items, &ec2InstanceTypes[i])
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].name < items[j].name })
	spec := filterSpec[*ec2InstanceType]{
		"instance-type":                         func(t *ec2InstanceType) []string { return one(t.name) },
		"processor-info.supported-architecture": func(t *ec2InstanceType) []string { return one(t.arch) },
		"current-generation":                    func(t *ec2InstanceType) []string { return boolStr(t.name[:2] != "p3") },
		"burstable-performance-supported":       func(t *ec2InstanceType) []string { return boolStr(t.burstable) },
		"vcpu-info.default-vcpus":               func(t *ec2InstanceType) []string { return one(itoa(int64(t.vcpus))) },
		"memory-info.size-in-mib":               func(t *ec2InstanceType) []string { return one(itoa(t.memMiB)) },
		"processor-info.manufacturer":           func(t *ec2InstanceType) []string { return one(t.cpuMaker) },
		"supported-virtualization-type":         func(t *ec2InstanceType) []string { return one("hvm") },
		"supported-usage-class":                 func(t *ec2InstanceType) []string { return []string{"on-demand", "spot"} },
		"free-tier-eligible":                    func(t *ec2InstanceType) []string { return boolStr(t.name == "t3.micro") },
		"hypervisor":                            func(t *ec2InstanceType) []string { return one(string(t.hypervisor())) },
	}
	items, err := applyFilters(items, in.Filters, spec, nil)
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 100, "")
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceTypesOutput{NextToken: next, InstanceTypes: []types.InstanceTypeInfo{}}
	for _, t := range page {
		out.InstanceTypes = append(out.InstanceTypes, t.info())
	}
	return out, nil
}

func joinComma(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// zoneGaps are the families a zone does not offer. In AWS the oldest zone of
// a region often lacks the newest and the GPU families, and RunInstances
// there fails with Unsupported; the knob ec2.unoffered adds gaps for tests,
// as a comma-separated list of TYPE-OR-FAMILY@ZONE-OR-REGION
// ("g5.xlarge@us-east-1a,p5@eu-west-1").
var zoneGaps = map[string][]string{
	"us-east-1e":      {"g5", "g5g", "g6", "g6e", "p4d", "p5", "m7i", "m7g", "c7g"},
	"us-west-2d":      {"g6e", "p4d", "p5"},
	"ap-northeast-1d": {"g6", "g6e", "p5"},
}

// offered reports whether zone offers the instance type.
func (s *ec2Service) offered(t *ec2InstanceType, zone string) bool {
	family, _, _ := strings.Cut(t.name, ".")
	matches := func(what string) bool { return what == t.name || what == family }
	if slices.ContainsFunc(zoneGaps[zone], matches) {
		return false
	}
	for _, gap := range strings.Split(s.e.Knob("ec2.unoffered", ""), ",") {
		what, where, ok := strings.Cut(strings.TrimSpace(gap), "@")
		if ok && matches(what) && (where == zone || where == s.region) {
			return false
		}
	}
	return true
}

// zonesOffering lists the region's zones that offer the type.
func (s *ec2Service) zonesOffering(t *ec2InstanceType) []string {
	var out []string
	for _, z := range ZonesOf(s.region) {
		if s.offered(t, z.Name) {
			out = append(out, z.Name)
		}
	}
	return out
}

// DescribeInstanceTypeOfferings lists where each type can be launched: per
// region (the default location type), zone name or zone id.
func (s *ec2Service) DescribeInstanceTypeOfferings(c *Call, in *ec2.DescribeInstanceTypeOfferingsInput) (*ec2.DescribeInstanceTypeOfferingsOutput, error) {
	lt := in.LocationType
	if lt == "" {
		lt = types.LocationTypeRegion
	}
	var items []types.InstanceTypeOffering
	add := func(t *ec2InstanceType, location string) {
		items = append(items, types.InstanceTypeOffering{InstanceType: types.InstanceType(t.name), LocationType: lt, Location: aws.String(location)})
	}
	for i := range ec2InstanceTypes {
		t := &ec2InstanceTypes[i]
		switch lt {
		case types.LocationTypeRegion:
			if len(s.zonesOffering(t)) > 0 {
				add(t, s.region)
			}
		case types.LocationTypeAvailabilityZone, types.LocationTypeAvailabilityZoneId:
			for _, z := range ZonesOf(s.region) {
				if s.offered(t, z.Name) {
					if lt == types.LocationTypeAvailabilityZone {
						add(t, z.Name)
					} else {
						add(t, z.ID)
					}
				}
			}
		default:
			return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter locationType is invalid. Valid values are region, availability-zone, availability-zone-id, outpost.", lt)
		}
	}
	spec := filterSpec[types.InstanceTypeOffering]{
		"instance-type": func(o types.InstanceTypeOffering) []string { return one(string(o.InstanceType)) },
		"location":      func(o types.InstanceTypeOffering) []string { return one(aws.ToString(o.Location)) },
	}
	items, err := applyFilters(items, in.Filters, spec, nil)
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, "")
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeInstanceTypeOfferingsOutput{NextToken: next, InstanceTypeOfferings: append([]types.InstanceTypeOffering{}, page...)}, nil
}
