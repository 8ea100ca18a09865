package awsemu

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// restart stops an instance, optionally changes its type, and starts it
// again, advancing the clock through each transition.
func restart(t *testing.T, e *Emulator, c *ec2.Client, id, newType string) {
	t.Helper()
	must[*ec2.StopInstancesOutput](t)(c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	e.Clock().Advance(time.Minute)
	if newType != "" {
		must[*ec2.ModifyInstanceAttributeOutput](t)(c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			InstanceType: &types.AttributeValue{Value: aws.String(newType)}}))
	}
	must[*ec2.StartInstancesOutput](t)(c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}}))
}

func TestEC2UserDataRunsOncePerInstance(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"ec2.boot_duration": "2m", "quota.L-DB2E81BA": "16"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("g5.xlarge")
	in.ImageId = aws.String(env.dlamiX86)
	in.UserData = aws.String(manifestUserData(bootmarker.Manifest{Deployment: "demo", Tier: 3, GPU: true}, true))
	id := aws.ToString(runOne(t, c, in).InstanceId)
	e.Clock().Advance(45*time.Second + 3*time.Minute)
	text, _ := consoleText(t, c, id)
	if r := bootmarker.Parse(text); !r.Complete || r.GPU == nil || r.GPU.Model != "NVIDIA A10G" {
		t.Fatalf("first boot = %+v\n%s", r, text)
	}

	// A type change (stop, modify, start): the new boot prints kernel and
	// cloud-init lines, and no markers: the script does not run again.
	restart(t, e, c, id, "g6.xlarge")
	e.Clock().Advance(45*time.Second + 10*time.Second)
	if v := bootOf(t, e, id); v.State != "running" || v.Boot != BootPending {
		t.Fatalf("10 s into the second boot: %+v", v)
	}
	e.Clock().Advance(10 * time.Minute)
	text, ok := consoleText(t, c, id)
	if !ok || !strings.Contains(text, "DMI: Amazon EC2 g6.xlarge/") || !strings.Contains(text, "Cloud-init v.") || !strings.Contains(text, "finished at") {
		t.Fatalf("second boot console = %q", text)
	}
	if r := bootmarker.Parse(text); r.Started || r.GPU != nil || strings.Contains(text, bootmarker.Prefix) {
		t.Fatalf("markers on a later boot: %+v\n%s", r, text)
	}
	// The application the first boot set up comes back (docker restarts it).
	v := bootOf(t, e, id)
	if v.Boot != BootComplete || v.BootCompleteAt.IsZero() {
		t.Fatalf("second boot: %+v", v)
	}

	// With a per-boot unit the markers come at every boot.
	perBoot := env.input("t3.medium")
	perBoot.UserData = aws.String(manifestUserData(bootmarker.Manifest{Deployment: "pb", Tier: 1, PerBoot: true}, false))
	pid := aws.ToString(runOne(t, c, perBoot).InstanceId)
	e.Clock().Advance(20*time.Second + 3*time.Minute)
	restart(t, e, c, pid, "t3.large")
	e.Clock().Advance(20*time.Second + 3*time.Minute)
	text, _ = consoleText(t, c, pid)
	if r := bootmarker.Parse(text); !r.Complete || !strings.Contains(text, "DMI: Amazon EC2 t3.large/") {
		t.Fatalf("per-boot second boot = %+v\n%s", r, text)
	}
	if v := bootOf(t, e, pid); v.Boot != BootComplete {
		t.Fatalf("per-boot InstanceInfo = %+v", v)
	}
}

func TestEC2UserDataFailedOrCutShortFirstBoot(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"ec2.boot_duration": "2m", "ec2.boot_failure": "docker"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("t3.micro")
	in.UserData = aws.String(manifestUserData(bootmarker.Manifest{Deployment: "demo", Tier: 1}, false))
	failed := aws.ToString(runOne(t, c, in).InstanceId)
	e.Clock().Advance(20*time.Second + 3*time.Minute)
	if v := bootOf(t, e, failed); v.Boot != BootFailed {
		t.Fatalf("first boot = %s", v.Boot)
	}
	// A restart does not run the script again: the instance stays failed,
	// even once the cause is gone (the knob acts on the boot that runs
	// while it is set; a stop records how the first boot ended).
	restart(t, e, c, failed, "")
	e.SetKnob("ec2.boot_failure", "")
	e.Clock().Advance(20*time.Second + 5*time.Minute)
	text, _ := consoleText(t, c, failed)
	if v := bootOf(t, e, failed); v.Boot != BootFailed || bootmarker.Parse(text).Started {
		t.Fatalf("after restart: %s\n%s", v.Boot, text)
	}

	// Stopped halfway through its first boot, an instance never finishes it.
	in2 := env.input("t3.micro")
	in2.UserData = in.UserData
	cut := aws.ToString(runOne(t, c, in2).InstanceId)
	e.Clock().Advance(20*time.Second + time.Minute)
	if v := bootOf(t, e, cut); v.Boot != BootPending {
		t.Fatalf("mid first boot = %s", v.Boot)
	}
	restart(t, e, c, cut, "")
	e.Clock().Advance(20*time.Second + 5*time.Minute)
	if v := bootOf(t, e, cut); v.Boot != BootFailed {
		t.Fatalf("after a cut-short first boot: %s", v.Boot)
	}
}
