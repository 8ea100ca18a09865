package awsemu

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

func countVPCs(t *testing.T, c *ec2.Client) int {
	t.Helper()
	return len(must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{})).Vpcs)
}

func TestFaultLoseResponseAfterExecuting(t *testing.T) {
	for _, drop := range []bool{false, true} {
		name := "5xx"
		if drop {
			name = "dropped connection"
		}
		t.Run(name, func(t *testing.T) {
			e := startEmu(t, Options{Knobs: map[string]string{"quota.L-1216C47A": "64"}})
			plain, c := ec2Client(e), retryingEC2(e)
			// CreateVpc has no idempotency token: the SDK's retry of a lost
			// answer creates a second VPC, and the caller sees only one.
			e.InjectFault(Fault{Service: "ec2", Operation: "CreateVpc", Mode: FaultLoseResponse, Drop: drop, Times: 1})
			out, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
			if err != nil {
				t.Fatalf("the retry should have succeeded: %v", err)
			}
			if n := countVPCs(t, plain); n != 2 {
				t.Fatalf("VPCs after a lost answer = %d, want 2 (one orphan)", n)
			}
			if e.CallCounts()["ec2.CreateVpc"] != 2 || aws.ToString(out.Vpc.VpcId) == "" {
				t.Fatalf("calls = %v", e.CallCounts())
			}
			var lost int
			for _, r := range e.Calls() {
				if r.Notes["fault"] == FaultLoseResponse {
					lost++
				}
			}
			if lost != 1 {
				t.Fatalf("the call log marks %d lost answers", lost)
			}
			// Without retries the caller gets the error, yet the VPC exists.
			e.InjectFault(Fault{Service: "ec2", Operation: "CreateVpc", Mode: FaultLoseResponse, Drop: drop, Times: 1})
			_, err = plain.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
			if err == nil {
				t.Fatal("a lost answer reached the client")
			}
			if !drop {
				wantCode(t, err, "InternalError")
				wantHTTPStatus(t, err, http.StatusInternalServerError)
			}
			if n := countVPCs(t, plain); n != 3 {
				t.Fatalf("VPCs = %d, want 3", n)
			}

			// RunInstances carries a ClientToken (the SDK fills one in): the
			// retry replays the first launch instead of making a second.
			env := makeComputeEnv(t, e, plain)
			e.InjectFault(Fault{Service: "ec2", Operation: "RunInstances", Mode: FaultLoseResponse, Drop: drop, Times: 1})
			run := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), env.input("t3.micro")))
			all := must[*ec2.DescribeInstancesOutput](t)(plain.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{}))
			if e.CallCounts()["ec2.RunInstances"] != 2 || len(all.Reservations) != 1 || len(all.Reservations[0].Instances) != 1 ||
				aws.ToString(all.Reservations[0].Instances[0].InstanceId) != aws.ToString(run.Instances[0].InstanceId) {
				t.Fatalf("instances after a lost RunInstances answer: %d reservations, %d calls", len(all.Reservations), e.CallCounts()["ec2.RunInstances"])
			}
		})
	}
}

func TestFaultLoseResponseThroughControlAPI(t *testing.T) {
	e := startEmu(t, Options{})
	if code := postControl(t, e, "/_emu/faults", map[string]any{"service": "ec2", "operation": "CreateVpc", "mode": "lose-response", "code": "ServiceUnavailable", "times": 1}); code != http.StatusOK {
		t.Fatalf("inject = %d", code)
	}
	resp, err := http.Get(e.URL() + "/_emu/faults")
	if err != nil {
		t.Fatal(err)
	}
	var faults []Fault
	_ = json.NewDecoder(resp.Body).Decode(&faults)
	_ = resp.Body.Close()
	if len(faults) != 1 || faults[0].Mode != FaultLoseResponse {
		t.Fatalf("faults = %+v", faults)
	}
	for _, bad := range []map[string]any{{"mode": "lose"}, {"drop": true}} {
		if code := postControl(t, e, "/_emu/faults", bad); code != http.StatusBadRequest {
			t.Fatalf("fault %v accepted: %d", bad, code)
		}
	}
	c := ec2Client(e)
	_, err = c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	wantCode(t, err, "ServiceUnavailable")
	wantHTTPStatus(t, err, http.StatusServiceUnavailable)
	if n := countVPCs(t, c); n != 1 {
		t.Fatalf("VPCs = %d: the request was not executed", n)
	}
	// A plain fault still fails instead of executing.
	e.InjectFault(Fault{Service: "ec2", Operation: "CreateVpc", Code: "InternalError", Times: 1})
	_, err = c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err == nil || !strings.Contains(err.Error(), "InternalError") {
		t.Fatalf("plain fault = %v", err)
	}
	if n := countVPCs(t, c); n != 1 {
		t.Fatalf("a failing fault executed the request: %d VPCs", n)
	}
}
