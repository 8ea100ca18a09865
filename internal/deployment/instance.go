package deployment

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// InstanceState is the instance's part of the record.
type InstanceState struct {
	AMIID            string
	InstanceID       string
	InstanceType     string
	AvailabilityZone string
	PrivateIP        string
	PublicIP         string
	PublicDNS        string
	// UserDataHash identifies the rendered boot script, so a change of
	// services or models is detected.
	UserDataHash string
	KeyName      string
	RootVolumeID string
	// Launches counts instances launched, for unique client tokens.
	Launches int
	// AdoptedInstance says the instance was launched by the GeuseMaker CLI
	// (legacy import): its boot script prints none of the provider's
	// console markers, so nothing waits for them until the provider
	// launches an instance of its own.
	AdoptedInstance bool
	// MarkersEveryBoot says the instance's boot script prints its markers
	// at every boot (manifest per_boot). cloud-init runs user data once per
	// instance, so without it a stopped and started instance prints none,
	// and nothing may wait for them after a restart.
	MarkersEveryBoot bool

	// Lifecycle is the instance's purchase option as EC2 reports it:
	// MarketSpot or MarketOnDemand ("" not known yet).
	Lifecycle string
	// Market is the capacity.market the instance was launched for ("" for
	// instances launched before it was recorded: their lifecycle). An
	// on-demand instance of a Spot market is the fallback.
	Market string
	// SpotPrice is the hourly Spot price the instance launched at (0 for
	// on-demand, or not known).
	SpotPrice float64
	// SpotFallback says why a Spot deployment's instance runs on-demand.
	SpotFallback string

	GPUFacts
}

// GPUFacts are what the boot markers report about the GPUs.
type GPUFacts struct {
	GPUModel     string
	GPUCount     int
	GPUMemoryMiB int
	GPUDriver    string
	GPUHealth    string
}

func gpuFacts(g *bootmarker.GPUReport) GPUFacts {
	return GPUFacts{GPUModel: g.Model, GPUCount: g.Count, GPUMemoryMiB: g.MemoryMiB, GPUDriver: g.Driver, GPUHealth: g.Status}
}

func (i *InstanceState) ids(add func(kind, id string)) {
	add("instance", i.InstanceID)
}

// forget drops the instance and its addresses; what it was built from stays.
func (i *InstanceState) forget() {
	i.InstanceID, i.PublicIP, i.PrivateIP, i.PublicDNS = "", "", "", ""
	i.Lifecycle, i.SpotPrice, i.SpotFallback = "", 0, ""
}

// Typical durations on AWS, for progress estimates and poll schedules.
const (
	typicalInstanceRunning = 45 * time.Second
	// The stack's boot: packages, containers and, on GPU types, the NVIDIA
	// runtime, until the boot-complete marker.
	typicalBoot    = 4 * time.Minute
	typicalGPUBoot = 6 * time.Minute
)

// bootSchedule polls the console sparsely while the stack boots (a failure
// marker ends the wait early) and densely when it should be done.
func (o *op) bootSchedule() retry.Schedule {
	s := retry.Schedule{Expected: typicalBoot, First: time.Minute}
	if o.spec.GPU {
		s.Expected = typicalGPUBoot
	}
	// An instance running before this operation may have booted already.
	s.Immediate = o.bootStart().IsZero()
	return s
}

// runningSchedule is the instance-running wait's schedule for the type.
func (o *op) runningSchedule() retry.Schedule {
	if o.spec.GPU {
		return tfec2.GPURunningSchedule
	}
	return tfec2.RunningSchedule
}

// subnetZonesOf maps subnets to their zones, reading them unless this
// operation made or read them already.
func (o *op) subnetZonesOf(ctx context.Context, ids []string) (map[string]string, error) {
	if zones, ok := o.known.zonesOf(ids); ok {
		return zones, nil
	}
	subnets, err := tfec2.FindSubnetsByIDs(ctx, o.c.EC2, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, sn := range subnets {
		out[aws.ToString(sn.SubnetId)] = aws.ToString(sn.AvailabilityZone)
		o.known.setSubnetZone(aws.ToString(sn.SubnetId), aws.ToString(sn.AvailabilityZone))
	}
	return out, nil
}

// zonesOffering lists the zones that offer the instance type, once per
// operation.
func (o *op) zonesOffering(ctx context.Context) ([]string, error) {
	o.known.mu.Lock()
	cached := o.known.offering
	o.known.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	zones, err := o.c.Catalog.ZonesOffering(ctx, o.c.EC2, o.spec.InstanceType)
	if err != nil {
		return nil, fmt.Errorf("listing the zones that offer %s: %w", o.spec.InstanceType, err)
	}
	if zones == nil {
		zones = []string{}
	}
	o.known.mu.Lock()
	o.known.offering = zones
	o.known.mu.Unlock()
	return zones, nil
}

// renderUserData renders the boot script for the current state.
func (o *op) renderUserData(st *State, az string) (userdata.Result, error) {
	ip := st.MountTargetIPs[az]
	if ip == "" {
		return userdata.Result{}, fmt.Errorf("no EFS mount target recorded in %s", az)
	}
	r, err := userdata.Render(o.spec.userDataParams(st.EFSID, ip))
	if tl, ok := errs.As[*userdata.TooLargeError](err); ok {
		return r, userDataTooLargeError(tl)
	}
	return r, err
}

// userDataParams are the boot script's inputs for a file system and the
// address of its mount target.
func (s *Spec) userDataParams(efsID, mountTargetIP string) userdata.Params {
	return userdata.Params{
		Deployment: s.Name, Region: s.Region, Tier: s.Tier, GPU: s.GPU,
		Services: s.Services, OllamaModels: s.Models, EFSID: efsID, MountTargetIP: mountTargetIP,
		// The path only: the values stay in SSM (anyone allowed
		// ec2:DescribeInstanceAttribute can read user data).
		CredentialsPath: s.CredentialsPath(),
	}
}

// CheckUserData renders the boot script at plan time, with the longest file
// system id and mount target address AWS gives, and refuses a script over
// EC2's 16 KB user data limit on the attribute that makes it large.
func (s *Spec) CheckUserData() *FieldError {
	_, err := userdata.Render(s.userDataParams("fs-0123456789abcdef0", "100.127.255.254"))
	if tl, ok := errs.As[*userdata.TooLargeError](err); ok {
		return userDataTooLargeError(tl)
	}
	if pe, ok := errs.As[*userdata.ParamError](err); ok {
		// What the boot script refuses of the configuration, refused
		// before anything is made.
		if path, ok := map[string]string{"OllamaModels": "ollama_models", "Services": "services"}[pe.Field]; ok {
			return &FieldError{Path: path, Summary: "Invalid " + strings.ReplaceAll(path, "_", " "), Detail: pe.Message + "."}
		}
	}
	return nil
}

func userDataTooLargeError(tl *userdata.TooLargeError) *FieldError {
	return &FieldError{Path: "ollama_models", Summary: "Boot script over EC2's user data limit",
		Detail: fmt.Sprintf("With %d services and %d Ollama models the boot script is %d bytes compressed; EC2 takes at most %d bytes of user data. "+
			"Remove entries from ollama_models (each model name adds to the script) or from services.", tl.Services, tl.Models, tl.Size, tl.Limit)}
}

// instanceKey identifies what the running instance was built for. A change
// replaces the instance; the tier is deliberately not part of it, so tier
// changes keep the instance (its public URL follows through a tag). The
// credentials are part of it: the boot script reads them once, at boot.
func (o *op) instanceKey(st *State, az string) string {
	return InstanceKey(o.spec.GPU, o.spec.Services, o.spec.Models, st.EFSID, st.MountTargetIPs[az], credentialsKey(o.spec, st))
}

// InstanceKey hashes the inputs of the boot script that need a new instance:
// the workload, the file system and its mount target, and the credentials
// (credentialsKey; "" for an instance that reads none, which keeps the key
// of the releases before credentials).
func InstanceKey(gpu bool, services, models []string, efsID, mountTargetIP, credentials string) string {
	in := fmt.Sprintf("gpu=%v|services=%s|models=%s|efs=%s|mt=%s", gpu, strings.Join(services, ","), strings.Join(models, ","), efsID, mountTargetIP)
	if credentials != "" {
		in += "|credentials=" + credentials
	}
	sum := sha256.Sum256([]byte(in))
	return hex.EncodeToString(sum[:12])
}

// ensureInstance keeps one running instance of the right type built from the
// right boot script. A type change is done in place (stop, modify, start); a
// change of services or models replaces the instance, terminating the old
// one first because two PostgreSQL servers must never share the EFS data.
// So do a type change of a Spot instance (a one-time Spot instance cannot be
// stopped) and a change of capacity.market that the instance does not fit.
func (o *op) ensureInstance(ctx context.Context, img image) error {
	conn := o.c.EC2
	st := o.rec.get()
	if st.InstanceID != "" {
		inst, err := tfec2.FindInstanceByID(ctx, conn, st.InstanceID)
		switch {
		case retry.NotFound(err) || (err == nil && inst.State != nil && (inst.State.Name == ec2types.InstanceStateNameShuttingDown || inst.State.Name == ec2types.InstanceStateNameTerminated)):
			// Terminated outside Terraform or reclaimed by Spot (or on its
			// way): let it finish, then launch a replacement on the same
			// file system.
			fields := map[string]any{"instance_id": st.InstanceID}
			if err == nil && inst.StateReason != nil {
				fields["state_reason"] = aws.ToString(inst.StateReason.Code)
			}
			info(ctx, "instance gone: launching a new one", fields)
			if err == nil {
				if err := tfec2.TerminateInstance(ctx, conn, st.InstanceID, o.remaining(ctx)); err != nil {
					return err
				}
			}
			o.rec.set(func(s *State) { s.InstanceState.forget() })
		case err != nil:
			return err
		default:
			var az string
			if inst.Placement != nil {
				az = aws.ToString(inst.Placement.AvailabilityZone)
			}
			key := o.instanceKey(st, az)
			// An adopted CLI instance is pinned by its first apply (it has
			// no key of its own) and replaced by a credentials rotation,
			// the documented way to give it the provider's boot script.
			why := ""
			switch {
			case st.UserDataHash != "" && st.UserDataHash != key:
				why = "services, models or credentials changed: replacing the instance"
			case st.AdoptedInstance && o.rotated:
				why = "credentials rotated: replacing the adopted instance"
			case MarketReplaces(o.spec.Capacity.market(), lifecycleOf(inst), st.Market):
				why = "capacity.market changed: replacing the instance"
			case lifecycleOf(inst) == MarketSpot && string(inst.InstanceType) != o.spec.InstanceType:
				why = "instance type of a Spot instance changed: replacing it (a one-time Spot instance cannot be stopped)"
			}
			if why == "" {
				return o.reconcileInstance(ctx, inst, key)
			}
			info(ctx, why, map[string]any{"instance_id": st.InstanceID})
			if err := tfec2.TerminateInstance(ctx, conn, st.InstanceID, o.remaining(ctx)); err != nil {
				return err
			}
			o.rec.set(func(s *State) { s.InstanceState.forget() })
		}
	}
	return o.launchInstance(ctx, img, func(zone string) string { return o.instanceKey(o.rec.get(), zone) })
}

// wantMetadata is the instance metadata service as the deployment sets it:
// IMDSv2 only, one hop (containers cannot reach it), tags readable (the
// public URL).
var wantMetadata = ec2types.InstanceMetadataOptionsResponse{
	HttpTokens:              ec2types.HttpTokensStateRequired,
	HttpPutResponseHopLimit: aws.Int32(1),
	HttpEndpoint:            ec2types.InstanceMetadataEndpointStateEnabled,
	InstanceMetadataTags:    ec2types.InstanceMetadataTagsStateEnabled,
}

// metadataDrift describes how an instance's metadata options differ from
// wantMetadata ("" when they do not).
func metadataDrift(m *ec2types.InstanceMetadataOptionsResponse) string {
	if m == nil {
		return ""
	}
	var out []string
	if m.HttpTokens != wantMetadata.HttpTokens {
		out = append(out, fmt.Sprintf("http_tokens %s (want %s)", m.HttpTokens, wantMetadata.HttpTokens))
	}
	if aws.ToInt32(m.HttpPutResponseHopLimit) != aws.ToInt32(wantMetadata.HttpPutResponseHopLimit) {
		out = append(out, fmt.Sprintf("hop limit %d (want %d)", aws.ToInt32(m.HttpPutResponseHopLimit), aws.ToInt32(wantMetadata.HttpPutResponseHopLimit)))
	}
	if m.HttpEndpoint != wantMetadata.HttpEndpoint {
		out = append(out, fmt.Sprintf("endpoint %s (want %s)", m.HttpEndpoint, wantMetadata.HttpEndpoint))
	}
	if m.InstanceMetadataTags != wantMetadata.InstanceMetadataTags {
		out = append(out, fmt.Sprintf("tags in metadata %s (want %s)", m.InstanceMetadataTags, wantMetadata.InstanceMetadataTags))
	}
	return strings.Join(out, ", ")
}

// groupsDrift describes how an instance's security groups differ from the
// deployment's instance group ("" when they do not).
func groupsDrift(inst *ec2types.Instance, want string) string {
	var have []string
	for _, g := range inst.SecurityGroups {
		have = append(have, aws.ToString(g.GroupId))
	}
	if want == "" || slices.Equal(have, []string{want}) {
		return ""
	}
	return fmt.Sprintf("security groups %s (want %s)", strings.Join(have, ", "), want)
}

// reconcileInstance converges a live instance: started if stopped, resized
// if its type changed, its metadata options and security group put back,
// tags kept.
func (o *op) reconcileInstance(ctx context.Context, inst *ec2types.Instance, key string) error {
	conn := o.c.EC2
	id := aws.ToString(inst.InstanceId)
	if !o.rec.get().AdoptedInstance {
		if err := o.reconcileInstanceSettings(ctx, inst); err != nil {
			return err
		}
	}
	running := inst
	var err error
	switch {
	case string(inst.InstanceType) != o.spec.InstanceType:
		info(ctx, "changing instance type", map[string]any{"instance_id": id, "from": string(inst.InstanceType), "to": o.spec.InstanceType})
		o.restarted.Store(true)
		if !o.rec.get().MarkersEveryBoot {
			// What the first boot reported was about the old type; a boot
			// script that runs once will not report the new one.
			o.rec.set(func(s *State) { s.GPUFacts = GPUFacts{} })
		}
		if running, err = tfec2.ChangeInstanceType(ctx, conn, id, o.spec.InstanceType, o.remaining(ctx)); err != nil {
			return o.startError(ctx, err)
		}
	case inst.State.Name == ec2types.InstanceStateNameStopped || inst.State.Name == ec2types.InstanceStateNameStopping:
		o.restarted.Store(true)
		if running, err = tfec2.StartInstance(ctx, conn, id, o.remaining(ctx)); err != nil {
			return o.startError(ctx, err)
		}
	case inst.State.Name != ec2types.InstanceStateNameRunning:
		if running, err = tfec2.WaitInstanceRunningOn(ctx, conn, id, o.remaining(ctx), o.runningSchedule(), nil); err != nil {
			return err
		}
	}
	if running != inst {
		// A start boots the stack again.
		o.setBootBegan(retry.Now(ctx))
	}
	o.recordInstance(running)
	o.rec.set(func(s *State) {
		if s.UserDataHash == "" {
			s.UserDataHash = key
		}
		if s.Market == "" {
			s.Market = s.Lifecycle
		}
	})
	return o.syncCapacityTag(ctx, running)
}

// startError explains a vCPU quota that refused to start the instance.
func (o *op) startError(ctx context.Context, err error) error {
	if !errs.IsCode(err, "VcpuLimitExceeded") {
		return err
	}
	var vcpus int32
	if it, lerr := o.c.Catalog.InstanceType(ctx, o.c.EC2, o.spec.InstanceType); lerr == nil {
		vcpus = it.VCPUs
	}
	return vcpuQuotaError(err, o.spec.Region, o.spec.InstanceType, vcpus)
}

// reconcileInstanceSettings puts back the metadata options and the security
// group of an instance changed outside Terraform.
func (o *op) reconcileInstanceSettings(ctx context.Context, inst *ec2types.Instance) error {
	id := aws.ToString(inst.InstanceId)
	if metadataDrift(inst.MetadataOptions) != "" {
		_, err := o.c.EC2.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(id),
			HttpTokens: wantMetadata.HttpTokens, HttpPutResponseHopLimit: wantMetadata.HttpPutResponseHopLimit,
			HttpEndpoint: wantMetadata.HttpEndpoint, InstanceMetadataTags: wantMetadata.InstanceMetadataTags})
		if err != nil {
			return fmt.Errorf("restoring the metadata options of instance (%s): %w", id, err)
		}
	}
	if sg := o.rec.get().InstanceSecurityGroupID; groupsDrift(inst, sg) != "" {
		_, err := o.c.EC2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), Groups: []string{sg}})
		if err != nil {
			return fmt.Errorf("restoring the security group of instance (%s): %w", id, err)
		}
	}
	return nil
}

func (o *op) recordInstance(inst *ec2types.Instance) {
	o.rec.set(func(s *State) {
		s.InstanceID = aws.ToString(inst.InstanceId)
		s.InstanceType = string(inst.InstanceType)
		s.PrivateIP = aws.ToString(inst.PrivateIpAddress)
		s.PublicIP = aws.ToString(inst.PublicIpAddress)
		s.PublicDNS = aws.ToString(inst.PublicDnsName)
		s.AMIID = aws.ToString(inst.ImageId)
		s.Lifecycle = lifecycleOf(inst)
		if s.Lifecycle != MarketSpot {
			s.SpotPrice = 0
		}
		if inst.Placement != nil {
			s.AvailabilityZone = aws.ToString(inst.Placement.AvailabilityZone)
		}
		for _, bd := range inst.BlockDeviceMappings {
			if aws.ToString(bd.DeviceName) == aws.ToString(inst.RootDeviceName) && bd.Ebs != nil {
				s.RootVolumeID = aws.ToString(bd.Ebs.VolumeId)
			}
		}
	})
}

// BootError is a boot script failure reported on the console.
type BootError struct {
	InstanceID, Step, Reason, ConsoleTail string
}

func (e *BootError) Error() string {
	return fmt.Sprintf("the boot script of %s failed at step %q: %s", e.InstanceID, e.Step, e.Reason)
}

// GPUError is a failed GPU validation.
type GPUError struct {
	InstanceID, Reason, ConsoleTail string
}

func (e *GPUError) Error() string {
	return fmt.Sprintf("GPU validation on %s failed: %s", e.InstanceID, e.Reason)
}

// watchConsole polls the instance's serial console until done says the
// markers show what it waits for. A boot-failure marker ends the wait at
// once with the console tail; GPU facts are recorded as soon as they appear.
// It returns when the console was last written, as EC2 tells it.
func (o *op) watchConsole(ctx context.Context, done func(bootmarker.Report) bool, typical time.Duration) (time.Time, error) {
	id := o.rec.get().InstanceID
	start := time.Now()
	sched := o.bootSchedule()
	var written time.Time
	conf := retry.StateChangeConf[bootmarker.Report]{
		Pending: []string{"booting"}, Target: []string{"done"},
		Timeout: o.remaining(ctx), Schedule: &sched, Began: o.bootStart(),
		Refresh: func(ctx context.Context) (*bootmarker.Report, string, error) {
			out, at, err := tfec2.ConsoleOutputAt(ctx, o.c.EC2, id)
			if err != nil {
				return nil, "", err
			}
			written = at
			r := bootmarker.Parse(out)
			if g := r.GPU; g != nil {
				o.rec.set(func(s *State) { s.GPUFacts = gpuFacts(g) })
				if g.Status == bootmarker.GPUFailed {
					return nil, "", &GPUError{InstanceID: id, Reason: g.Reason, ConsoleTail: bootmarker.Tail(out, 25)}
				}
			}
			if r.Failed {
				return nil, "", &BootError{InstanceID: id, Step: r.FailedStep, Reason: r.Reason, ConsoleTail: bootmarker.Tail(out, 25)}
			}
			if done(r) {
				return &r, "done", nil
			}
			return &r, "booting", nil
		},
		OnPoll: func(state string, elapsed time.Duration) {
			info(ctx, "waiting for the stack to boot", map[string]any{"instance_id": id, "elapsed_s": int(elapsed.Seconds()), "estimated_percent": percent(elapsed, typical)})
		},
		NotFoundChecks: 1 << 20, // no console output yet is normal early in a boot
	}
	_, err := conf.WaitForState(ctx)
	if err == nil {
		info(ctx, "boot markers seen", map[string]any{"instance_id": id, "wait_s": round1(time.Since(start).Seconds())})
	}
	return written, err
}

// waitBoot waits for what the tier needs from the console: the complete
// marker (tier 1 with wait_for_ready) or, for GPU workloads, the GPU report.
// With a load balancer and wait_for_ready, waitReady watches the console
// through the whole boot (GPU report included) before the health check.
func (o *op) waitBoot(ctx context.Context) error {
	if o.spec.HasLoadBalancer() && o.spec.WaitForReady {
		return nil
	}
	needComplete := !o.spec.HasLoadBalancer() && o.spec.WaitForReady
	// wait_for_ready = false returns once the instance runs: the GPU report
	// is read by the next refresh instead.
	needGPU := o.spec.GPU && o.spec.WaitForReady
	st := o.rec.get()
	if (!needComplete && !needGPU) || st.AdoptedInstance {
		return nil
	}
	if o.restarted.Load() && !st.MarkersEveryBoot {
		// Launched by an older release whose script runs only at the first
		// boot: after this stop and start no marker will come. The instance
		// is running; the target health check (tier 2 and 3) still waits.
		info(ctx, "instance restarted: its boot script prints no markers after the first boot, not waiting for them", map[string]any{"instance_id": st.InstanceID})
		return nil
	}
	typical := typicalBoot
	if o.spec.GPU {
		typical = typicalGPUBoot
	}
	_, err := o.watchConsole(ctx, func(r bootmarker.Report) bool {
		return (!needComplete || r.Complete) && (!needGPU || r.GPU != nil)
	}, typical)
	return err
}

// tagPublicURL tells the instance its public URL through a tag it reads from
// instance metadata, so n8n's webhook URLs follow tier changes.
func (o *op) tagPublicURL(ctx context.Context) error {
	st := o.rec.get()
	url := PublicURL(o.spec, st)
	if st.InstanceID == "" || url == "" {
		return nil
	}
	_, err := o.c.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{st.InstanceID}, Tags: []ec2types.Tag{{Key: aws.String(TagPublicURL), Value: aws.String(url)}}})
	if err != nil {
		return fmt.Errorf("tagging instance (%s) with its public URL: %w", st.InstanceID, err)
	}
	return nil
}

// terminateInstance terminates the recorded instance and any other live
// instance carrying the deployment's tags (one launched but not recorded).
func (o *op) terminateInstance(ctx context.Context) error {
	ids := []string{}
	if id := o.rec.get().InstanceID; id != "" {
		ids = append(ids, id)
	}
	found, err := tfec2.FindInstancesByTag(ctx, o.c.EC2, TagDeployment, o.spec.Name)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	for _, inst := range found {
		if tagMap(inst.Tags)[TagComponent] == CompInstance {
			ids = appendUnique(ids, aws.ToString(inst.InstanceId))
		}
	}
	for _, id := range ids {
		if err := tfec2.TerminateInstance(ctx, o.c.EC2, id, o.remaining(ctx)); err != nil {
			return err
		}
	}
	o.rec.set(func(s *State) { s.InstanceState.forget() })
	return nil
}

func (o *op) refreshInstance(ctx context.Context) error {
	inst, err := tfec2.FindInstanceByID(ctx, o.c.EC2, o.rec.get().InstanceID)
	if err == nil && inst.State != nil && inst.State.Name == ec2types.InstanceStateNameShuttingDown {
		err = &retry.NotFoundError{Message: "instance is shutting down"}
	}
	if gone(err) {
		o.rec.set(func(s *State) { s.InstanceState.forget() })
		return nil
	} else if err != nil {
		return err
	}
	if o.seen != nil {
		o.seen.instance = inst
	}
	o.recordInstance(inst)
	if st := o.rec.get(); !st.AdoptedInstance {
		id := st.InstanceID
		if d := metadataDrift(inst.MetadataOptions); d != "" {
			o.drifted(DriftInstance, "%s metadata options changed outside Terraform: %s", id, d)
		}
		if d := groupsDrift(inst, st.InstanceSecurityGroupID); d != "" {
			o.drifted(DriftInstance, "%s %s", id, d)
		}
		if t := string(inst.InstanceType); o.spec.InstanceType != "" && t != o.spec.InstanceType {
			o.drifted(DriftInstanceType, "%s is a %s, configured %s (the apply resizes it: stop, modify, start)", id, t, o.spec.InstanceType)
		}
	}
	if s := inst.State.Name; s == ec2types.InstanceStateNameStopped || s == ec2types.InstanceStateNameStopping {
		o.rec.set(func(st *State) { st.Status = StatusStopped })
	} else {
		o.rec.set(func(st *State) {
			if st.Status == StatusStopped {
				st.Status = StatusRunning
			}
		})
	}
	// GPU facts not seen at create (wait_for_ready = false) come from the
	// console once the boot has printed them.
	if st := o.rec.get(); o.spec.GPU && (st.GPUHealth == "" || st.GPUHealth == bootmarker.GPUUnknown) && inst.State.Name == ec2types.InstanceStateNameRunning {
		out, err := tfec2.ConsoleOutput(ctx, o.c.EC2, st.InstanceID)
		if err == nil {
			if g := bootmarker.Parse(out).GPU; g != nil {
				o.rec.set(func(s *State) { s.GPUFacts = gpuFacts(g) })
			}
		}
	}
	return nil
}

// findInstance finds the deployment's instance by its tags.
func (d *discovery) findInstance(ctx context.Context) error {
	insts, err := tfec2.FindInstancesByTag(ctx, d.c.EC2, TagDeployment, d.spec.Name)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	for i := range insts {
		if tagMap(insts[i].Tags)[TagComponent] == CompInstance {
			d.inst = &insts[i]
		}
	}
	return nil
}

// discoverInstance records the instance and reads back the settings that
// made it: its type, key, root volume, and the manifest of its boot script.
func (d *discovery) discoverInstance(ctx context.Context) error {
	c, inst, spec, st := d.c, d.inst, d.spec, d.st
	if inst == nil {
		return nil
	}
	(&op{c: c, spec: spec, rec: newRecorder(st)}).recordInstance(inst)
	if s := inst.State; s != nil && (s.Name == ec2types.InstanceStateNameStopped || s.Name == ec2types.InstanceStateNameStopping) {
		st.Status = StatusStopped // summarize keeps it when nothing is missing
	}
	tags := tagMap(inst.Tags)
	spec.Tags = UserTags(tags)
	d.discoverCapacity(ctx, tags)
	spec.InstanceType = string(inst.InstanceType)
	spec.KeyName = aws.ToString(inst.KeyName)
	st.KeyName = spec.KeyName
	spec.AMIID = aws.ToString(inst.ImageId)
	if t, err := strconv.Atoi(tags[TagTier]); err == nil {
		spec.Tier = t
	}
	if st.RootVolumeID != "" {
		vol, err := tfec2.FindVolumeByID(ctx, c.EC2, st.RootVolumeID)
		if err != nil && !retry.NotFound(err) {
			return fmt.Errorf("reading the root volume (%s): %w", st.RootVolumeID, err)
		}
		if err == nil {
			spec.RootVolumeGiB = aws.ToInt32(vol.Size)
		}
	}
	m, found, err := InstanceManifest(ctx, c, st.InstanceID)
	if err != nil {
		return err
	}
	if found {
		spec.GPU, spec.Services, spec.Models = m.GPU, m.Services, m.Models
		st.MarkersEveryBoot = m.PerBoot
		// An instance of an earlier release reads no credentials: its key
		// has none, so the next apply replaces it with one that does.
		var creds string
		if m.CredentialsPath != "" {
			creds = credentialsKey(spec, st)
		}
		st.UserDataHash = InstanceKey(spec.GPU, spec.Services, spec.Models, st.EFSID, st.MountTargetIPs[st.AvailabilityZone], creds)
	} else {
		// Launched by the GeuseMaker CLI (adopted with a legacy import): its
		// boot script records no settings. The workload follows the type's
		// GPUs, services and models are the defaults the provider would
		// launch the next instance with, and no boot-script hash pins it.
		st.AdoptedInstance = true
		info, err := LookupInstanceType(ctx, c.EC2, spec.InstanceType)
		if err != nil {
			return fmt.Errorf("looking up instance type %s: %w", spec.InstanceType, err)
		}
		spec.GPU, spec.Services, spec.Models = info.HasGPU(), userdata.DefaultServices(), userdata.DefaultModels(info.HasGPU())
	}
	if spec.GPU {
		if out, err := tfec2.ConsoleOutput(ctx, c.EC2, st.InstanceID); err == nil {
			if g := bootmarker.Parse(out).GPU; g != nil {
				st.GPUFacts = gpuFacts(g)
			}
		}
	}
	if u, err := url.Parse(tags[TagPublicURL]); err == nil && u.Scheme == "https" && !strings.HasSuffix(u.Host, ".elb.amazonaws.com") && !strings.HasSuffix(u.Host, ".cloudfront.net") {
		spec.LoadBalancer.DomainName = u.Host
	}
	return nil
}

// discoverCapacity reads back the instance's capacity (market) and, for
// Spot, the price it launched at or the on-demand fallback it runs as.
func (d *discovery) discoverCapacity(ctx context.Context, tags map[string]string) {
	c, inst, spec, st := d.c, d.inst, d.spec, d.st
	// The capacity: a Spot deployment's tag, else what the instance is.
	spec.Capacity = DefaultCapacity()
	if c, ok := parseCapacityTag(tags[TagCapacity]); ok {
		spec.Capacity = c
	} else if st.Lifecycle == MarketSpot {
		spec.Capacity.Market = MarketSpot
	}
	st.Market = spec.Capacity.market()
	if st.Lifecycle == MarketSpot {
		if p, err := spotPriceAt(ctx, c.EC2, inst); err == nil {
			st.SpotPrice = p
		} else {
			warn(ctx, "the Spot price the instance launched at is unknown", map[string]any{"instance_id": st.InstanceID, "error": err.Error()})
		}
	} else if spec.Capacity.Spot() {
		st.SpotFallback = "runs on-demand although capacity.market is spot (the fallback)"
	}
}

// collectInstances lists the deployments' instances, for List.
func (l *listing) collectInstances(ctx context.Context, c *Clients) error {
	all, err := tfec2.FindLiveInstances(ctx, c.EC2, ec2types.Filter{Name: aws.String("tag-key"), Values: []string{TagDeployment}})
	if err != nil {
		return fmt.Errorf("listing EC2 instances: %w", err)
	}
	l.instances = map[string]ec2types.Instance{}
	for _, inst := range all {
		tags := tagMap(inst.Tags)
		name := tags[TagDeployment]
		if name == "" || tags[TagComponent] != CompInstance {
			continue
		}
		// A deployment runs one instance; should a replacement overlap,
		// the newer one is the deployment's.
		if prev, ok := l.instances[name]; ok && aws.ToTime(prev.LaunchTime).After(aws.ToTime(inst.LaunchTime)) {
			continue
		}
		l.instances[name] = inst
	}
	return nil
}

// collectGPU tells which instances run the GPU workload: those whose type has
// GPUs and whose boot script's manifest says so.
func (l *listing) collectGPU(ctx context.Context, c *Clients) error {
	l.gpu = map[string]bool{}
	var typeNames []string
	for _, inst := range l.instances {
		if t := string(inst.InstanceType); t != "" {
			typeNames = appendUnique(typeNames, t)
		}
	}
	sort.Strings(typeNames)
	if len(typeNames) == 0 {
		return nil
	}
	types, err := tfec2.FindInstanceTypes(ctx, c.EC2, typeNames...)
	if err != nil {
		return fmt.Errorf("describing instance types: %w", err)
	}
	for _, inst := range l.instances {
		t, ok := types[string(inst.InstanceType)]
		if !ok || !typeInfo(t).HasGPU() {
			continue
		}
		m, found, err := InstanceManifest(ctx, c, aws.ToString(inst.InstanceId))
		if err != nil {
			return err
		}
		// Without a readable manifest, a GPU type means the GPU workload
		// (the resource's default).
		l.gpu[aws.ToString(inst.InstanceId)] = !found || m.GPU
	}
	return nil
}

// InstanceManifest reads the manifest line of an instance's boot script;
// found is false when the instance has no user data or no manifest.
func InstanceManifest(ctx context.Context, c *Clients, instanceID string) (m bootmarker.Manifest, found bool, err error) {
	encoded, err := tfec2.FindInstanceUserData(ctx, c.EC2, instanceID)
	if err != nil {
		return m, false, fmt.Errorf("reading the boot script of %s: %w", instanceID, err)
	}
	if encoded == "" {
		return m, false, nil
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return m, false, fmt.Errorf("decoding the boot script of %s: %w", instanceID, err)
	}
	script, err := userdata.Decompress(raw)
	if err != nil {
		return m, false, err
	}
	m, found = bootmarker.ParseManifest(script)
	return m, found, nil
}

// retagInstance moves the tags of the instance, its root volume and its
// network interfaces (the launch tags all three) from old's to the spec's.
func (o *op) retagInstance(ctx context.Context, old *Spec, st *State) error {
	ids := []string{st.InstanceID, st.RootVolumeID}
	if st.InstanceID != "" {
		// The interfaces are not recorded: the instance names them.
		inst, err := tfec2.FindInstanceByID(ctx, o.c.EC2, st.InstanceID)
		switch {
		case retry.NotFound(err):
		case err != nil:
			return err
		default:
			for _, n := range inst.NetworkInterfaces {
				ids = append(ids, aws.ToString(n.NetworkInterfaceId))
			}
		}
	}
	return o.retagEC2(ctx, old, CompInstance, ids...)
}

// adoptInstance records the instance a create launched but did not record
// (its answer lost, or the process killed), by its tags.
func (o *op) adoptInstance(ctx context.Context) error {
	if o.rec.get().InstanceID != "" {
		return nil
	}
	found, err := tfec2.FindInstancesByTag(ctx, o.c.EC2, TagDeployment, o.spec.Name)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	for _, inst := range found {
		if tagMap(inst.Tags)[TagComponent] == CompInstance {
			o.recordInstance(&inst)
			return nil
		}
	}
	return nil
}
