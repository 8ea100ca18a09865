package deployment

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

// InstanceTypeInfo is what the deployment needs to know about a type.
type InstanceTypeInfo struct {
	Name         string
	Arch         string // x86_64 | arm64
	VCPUs        int32
	MemoryMiB    int64
	GPUs         int32
	GPUModel     string
	GPUMemoryMiB int32 // total across GPUs
	// Hypervisor is "nitro" or "xen" (previous-generation types); only
	// Nitro types serve the latest console output the boot waits read.
	Hypervisor string
}

// HasGPU reports whether EC2 lists NVIDIA GPUs for the type.
func (i InstanceTypeInfo) HasGPU() bool { return i.GPUs > 0 }

// LookupInstanceType asks EC2 what an instance type is; GPU support comes
// from its GpuInfo, not from a list of family names.
func LookupInstanceType(ctx context.Context, conn *ec2.Client, name string) (InstanceTypeInfo, error) {
	types, err := tfec2.FindInstanceTypes(ctx, conn, name)
	if err != nil {
		return InstanceTypeInfo{}, err
	}
	t, ok := types[name]
	if !ok {
		return InstanceTypeInfo{}, &retry.NotFoundError{Message: "instance type " + name + " is not offered in this region"}
	}
	return typeInfo(t), nil
}

func typeInfo(t ec2types.InstanceTypeInfo) InstanceTypeInfo {
	i := InstanceTypeInfo{Name: string(t.InstanceType), Hypervisor: string(t.Hypervisor)}
	if t.ProcessorInfo != nil && len(t.ProcessorInfo.SupportedArchitectures) > 0 {
		i.Arch = string(t.ProcessorInfo.SupportedArchitectures[0])
		if slices.Contains(t.ProcessorInfo.SupportedArchitectures, ec2types.ArchitectureTypeX8664) {
			i.Arch = string(ec2types.ArchitectureTypeX8664)
		}
	}
	if t.VCpuInfo != nil {
		i.VCPUs = aws.ToInt32(t.VCpuInfo.DefaultVCpus)
	}
	if t.MemoryInfo != nil {
		i.MemoryMiB = aws.ToInt64(t.MemoryInfo.SizeInMiB)
	}
	if g := t.GpuInfo; g != nil {
		for _, gpu := range g.Gpus {
			if !strings.EqualFold(aws.ToString(gpu.Manufacturer), "NVIDIA") {
				continue
			}
			i.GPUs += aws.ToInt32(gpu.Count)
			i.GPUModel = strings.TrimSpace(aws.ToString(gpu.Manufacturer) + " " + aws.ToString(gpu.Name))
		}
		i.GPUMemoryMiB = aws.ToInt32(g.TotalGpuMemoryInMiB)
	}
	return i
}

// SuggestGPUTypes lists common GPU instance types the region offers for an
// architecture, for the plan-time error when gpu = true names a CPU type.
func SuggestGPUTypes(ctx context.Context, conn *ec2.Client, arch string) []string {
	candidates := []string{"g4dn.xlarge", "g5.xlarge", "g6.xlarge", "g6e.xlarge", "g5g.xlarge"}
	found, err := tfec2.FindInstanceTypes(ctx, conn, candidates...)
	if err != nil {
		return candidates
	}
	var out []string
	for _, c := range candidates {
		if t, ok := found[c]; ok {
			if ti := typeInfo(t); ti.HasGPU() && (arch == "" || ti.Arch == arch) {
				out = append(out, c)
			}
		}
	}
	return out
}

// DefaultAMIParameter is the SSM public parameter of the default image: the
// Deep Learning Base OSS NVIDIA driver GPU AMI for GPU workloads, Canonical
// Ubuntu 22.04 otherwise.
func DefaultAMIParameter(gpu bool, arch string) string {
	if gpu {
		a := "x86_64"
		if arch == "arm64" {
			a = "arm64"
		}
		return "/aws/service/deeplearning/ami/" + a + "/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id"
	}
	a := "amd64"
	if arch == "arm64" {
		a = "arm64"
	}
	return "/aws/service/canonical/ubuntu/server/22.04/stable/current/" + a + "/hvm/ebs-gp2/ami-id"
}

// image is the resolved AMI.
type image struct {
	id, rootDevice string
	rootSizeGiB    int32
	arch           string
	vcpus          int32 // of the instance type, for the quota diagnostic
}

// resolveAMI picks the AMI (the user's, or the default from SSM) and checks
// it fits the instance type and the root volume.
func (o *op) resolveAMI(ctx context.Context) (image, error) {
	it, err := o.c.Catalog.InstanceType(ctx, o.c.EC2, o.spec.InstanceType)
	if err != nil {
		return image{}, fmt.Errorf("looking up instance type %s: %w", o.spec.InstanceType, err)
	}
	img, err := resolveImage(ctx, o.c, o.spec, it)
	if err != nil {
		return image{}, err
	}
	o.rec.set(func(s *State) { s.AMIID = img.id })
	return img, nil
}

// resolveImage finds the AMI a launch uses (the user's, or the default from
// SSM) and checks it against the instance type's architecture and the root
// volume; the plan-time check and the launch share it.
func resolveImage(ctx context.Context, c *Clients, spec *Spec, it InstanceTypeInfo) (image, error) {
	id := spec.AMIID
	if id == "" {
		param := DefaultAMIParameter(spec.GPU, it.Arch)
		var err error
		if id, err = c.Catalog.parameter(ctx, c.SSM, param); err != nil {
			err = fmt.Errorf("resolving the default AMI from SSM parameter %s: %w", param, err)
			if retry.NotFound(err) {
				err = &amiParameterError{param: param, region: spec.Region, gpu: spec.GPU, arch: it.Arch, err: err}
			}
			return image{}, err
		}
	}
	img, err := c.Catalog.image(ctx, c.EC2, id)
	if err != nil {
		return image{}, fmt.Errorf("looking up AMI %s: %w", id, err)
	}
	out := image{id: id, rootDevice: aws.ToString(img.RootDeviceName), arch: string(img.Architecture), vcpus: it.VCPUs}
	for _, bd := range img.BlockDeviceMappings {
		if aws.ToString(bd.DeviceName) == out.rootDevice && bd.Ebs != nil {
			out.rootSizeGiB = aws.ToInt32(bd.Ebs.VolumeSize)
		}
	}
	if out.rootDevice == "" {
		out.rootDevice = "/dev/sda1"
	}
	if out.arch != "" && it.Arch != "" && out.arch != it.Arch {
		return image{}, &FieldError{Path: "ami_id", Summary: "AMI architecture mismatch",
			Detail: fmt.Sprintf("AMI %s is %s but instance type %s is %s. Choose an %s AMI, or an instance type of the AMI's architecture.", id, out.arch, it.Name, it.Arch, it.Arch)}
	}
	if out.rootSizeGiB > spec.RootVolumeGiB {
		return image{}, &FieldError{Path: "root_volume_size", Summary: "Root volume smaller than the AMI",
			Detail: fmt.Sprintf("AMI %s has a %d GiB root snapshot; root_volume_size is %d GiB. Set root_volume_size to at least %d.", id, out.rootSizeGiB, spec.RootVolumeGiB, out.rootSizeGiB)}
	}
	return out, nil
}

// XenTypeError explains why a Xen instance type is refused: the boot waits
// read the instance's latest console output, which EC2 serves only on Nitro
// instance types (GetConsoleOutput with Latest fails on Xen), and without it
// the console holds only what was captured at the last state change, so the
// boot and GPU markers would never show and the waits would time out.
func XenTypeError(it InstanceTypeInfo, alternatives []string) *FieldError {
	detail := fmt.Sprintf("%s runs on the Xen hypervisor (a previous generation). The deployment follows the instance's boot through its latest console output, which EC2 serves only on Nitro instance types, so it cannot tell when %s is ready.", it.Name, it.Name)
	if len(alternatives) > 0 {
		detail += fmt.Sprintf(" Nitro types with the same %d vCPUs in this region: %s.", it.VCPUs, strings.Join(alternatives, ", "))
	} else {
		detail += " Choose a current-generation (Nitro) instance type."
	}
	return &FieldError{Path: "instance_type", Summary: "Xen instance type not supported", Detail: detail}
}

// SuggestNitroTypes lists up to four current-generation Nitro types of the
// region with the same architecture, vCPUs and GPU presence as it, closest
// in memory first.
func SuggestNitroTypes(ctx context.Context, conn *ec2.Client, it InstanceTypeInfo) []string {
	filter := func(name, value string) ec2types.Filter {
		return ec2types.Filter{Name: aws.String(name), Values: []string{value}}
	}
	in := &ec2.DescribeInstanceTypesInput{Filters: []ec2types.Filter{
		filter("hypervisor", "nitro"), filter("current-generation", "true"),
		filter("processor-info.supported-architecture", it.Arch), filter("vcpu-info.default-vcpus", fmt.Sprint(it.VCPUs)),
	}}
	var found []InstanceTypeInfo
	p := ec2.NewDescribeInstanceTypesPaginator(conn, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil
		}
		for _, t := range page.InstanceTypes {
			if ti := typeInfo(t); ti.HasGPU() == it.HasGPU() {
				found = append(found, ti)
			}
		}
	}
	slices.SortFunc(found, func(a, b InstanceTypeInfo) int {
		if c := cmp.Compare(abs(a.MemoryMiB-it.MemoryMiB), abs(b.MemoryMiB-it.MemoryMiB)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	var out []string
	for _, t := range found[:min(len(found), 4)] {
		out = append(out, t.Name)
	}
	return out
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// amiParameterError is a public SSM parameter of a default AMI that the
// region does not publish: not something deleted outside Terraform, but an
// image AWS or Canonical do not offer there.
type amiParameterError struct {
	param, region, arch string
	gpu                 bool
	err                 error
}

func (e *amiParameterError) Error() string { return e.err.Error() }
func (e *amiParameterError) Unwrap() error { return e.err }

// Remedy says the region lacks the image and how to pick one.
func (e *amiParameterError) Remedy() string {
	image := "Canonical's Ubuntu 22.04 image"
	if e.gpu {
		image = "the AWS Deep Learning Base (NVIDIA driver) image"
	}
	arch := e.arch
	if arch == "" {
		arch = "this architecture"
	}
	return fmt.Sprintf("Region %s does not publish the public SSM parameter %s, which names %s for %s, so the deployment cannot pick its default AMI there. "+
		"Set ami_id to an AMI of the region (Ubuntu 22.04 or later%s, %s), or deploy in a region that publishes the parameter (`aws ssm get-parameter --name %s --region <region>` answers there).",
		e.region, e.param, image, arch, map[bool]string{true: " with the NVIDIA driver", false: ""}[e.gpu], arch, e.param)
}
