package deployment

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// recordFixture was written by json.Marshal of a fully populated State at
// commit a345145, before the record was grouped by component. Terraform's
// private state holds such JSON for every existing deployment.
const recordFixture = "testdata/record-a345145.json"

func fixtureState() *State {
	return &State{
		Name:   "rec",
		Region: "eu-west-1",
		Nonce:  "a1b2c3d4",
		Tier:   3,
		NetworkState: NetworkState{
			OwnedNetwork:             true,
			VPCID:                    "vpc-0a1",
			SubnetIDs:                []string{"subnet-0a1", "subnet-0b2"},
			InternetGatewayID:        "igw-0c3",
			RouteTableID:             "rtb-0d4",
			RouteTableAssociationIDs: []string{"rtbassoc-0e5", "rtbassoc-0f6"},
			ExtraSubnetIDs:           []string{"subnet-0c3"},
		},
		SecurityGroupState: SecurityGroupState{
			InstanceSecurityGroupID: "sg-0inst",
			EFSSecurityGroupID:      "sg-0efs",
			ALBSecurityGroupID:      "sg-0alb",
		},
		IAMState: IAMState{
			RoleName:    "geusemaker-rec-eu-west-1",
			RoleARN:     "arn:aws:iam::123456789012:role/geusemaker/geusemaker-rec-eu-west-1",
			ProfileName: "geusemaker-rec-eu-west-1",
			ProfileARN:  "arn:aws:iam::123456789012:instance-profile/geusemaker/geusemaker-rec-eu-west-1",
		},
		StorageState: StorageState{
			EFSID:          "fs-0123",
			MountTargetIDs: []string{"fsmt-0a", "fsmt-0b"},
			MountTargetIPs: map[string]string{"eu-west-1a": "10.0.0.10", "eu-west-1b": "10.0.1.10"},
		},
		InstanceState: InstanceState{
			AMIID:            "ami-0abc",
			InstanceID:       "i-0abc",
			InstanceType:     "g5.xlarge",
			AvailabilityZone: "eu-west-1a",
			PrivateIP:        "10.0.0.20",
			PublicIP:         "203.0.113.7",
			PublicDNS:        "ec2-203-0-113-7.eu-west-1.compute.amazonaws.com",
			UserDataHash:     "0123456789abcdef01234567",
			KeyName:          "ops",
			RootVolumeID:     "vol-0abc",
			Launches:         2,
			AdoptedInstance:  true,
			GPUFacts: GPUFacts{
				GPUModel:     "NVIDIA A10G",
				GPUCount:     1,
				GPUMemoryMiB: 24576,
				GPUDriver:    "535.183.01",
				GPUHealth:    "healthy",
			},
		},
		LoadBalancerState: LoadBalancerState{
			ALBARN:         "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/rec-alb/50dc6c495c0c9188",
			ALBDNSName:     "rec-alb-1.eu-west-1.elb.amazonaws.com",
			ALBZoneID:      "Z32O12XQLNTSW2",
			TargetGroupARN: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/rec-tg/73e2d6bc24d8a067",
			ListenerARNs:   []string{"arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/rec-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"},
			RuleARNs:       []string{"arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/rec-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"},
		},
		CDNState: CDNState{
			DistributionID:       "E2QWRUHEXAMPLE",
			DistributionARN:      "arn:aws:cloudfront::123456789012:distribution/E2QWRUHEXAMPLE",
			DistributionDomain:   "d111111abcdef8.cloudfront.net",
			DistributionStatus:   "Deployed",
			DistributionEnabled:  true,
			DistributionRetained: true,
			OriginSecret:         "c2VjcmV0LXZhbHVl",
			CallerReference:      "geusemaker-rec-eu-west-1-a1b2c3d4",
		},
		Status:    "running",
		CreatedAt: time.Date(2025, 3, 4, 5, 6, 7, 8000, time.UTC),
	}
}

// addedSinceFixture lists the record's fields (as Group.Field) added after
// the release that wrote the fixture: a record from that release leaves them
// zero, and the zero value must be safe (DESIGN.md "The record in private
// state").
var addedSinceFixture = []string{
	"InstanceState.MarkersEveryBoot",            // zero: an older instance prints markers at its first boot only
	"SecurityGroupState.CloudFrontPrefixListID", // zero: any prefix-list rule on the origin port counts
	"Converged",                  // zero: no drift in settings is reported until the next apply
	"Drift",                      // not part of the record (json:"-")
	"Recovered",                  // not part of the record (json:"-")
	"InstanceState.Lifecycle",    // zero: not known until the next refresh reads it from EC2
	"InstanceState.Market",       // zero: the instance's lifecycle (MarketReplaces)
	"InstanceState.SpotPrice",    // zero: not known (on-demand instances have none)
	"InstanceState.SpotFallback", // zero: no fallback recorded
	"IAMState.OnePolicy",         // zero: the role has the earlier release's two inline policies; the next apply folds them
	// zero: no credentials yet; the next apply generates them and replaces
	// the instance, which read none.
	"CredentialsState.Credentials",
	"CredentialsState.CredentialsRotation",
	"CredentialsState.CredentialParams",
}

// A record written by the release before the grouping loads with the same
// values, no key of it is left unread, and the record written now has the
// same keys, so an older provider reads it too.
func TestStateReadsRecordOfEarlierRelease(t *testing.T) {
	raw, err := os.ReadFile(recordFixture)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var got State
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decoding the earlier record: %v", err)
	}
	if want := fixtureState(); !reflect.DeepEqual(&got, want) {
		t.Fatalf("loaded record differs:\n got %+v\nwant %+v", got, *want)
	}

	written, err := json.Marshal(&got)
	if err != nil {
		t.Fatal(err)
	}
	var oldKeys, newKeys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &oldKeys); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(written, &newKeys); err != nil {
		t.Fatal(err)
	}
	// Fields are only ever added (DESIGN.md): every earlier key is still
	// written, and every new one is listed in addedSinceFixture.
	for _, k := range slices.Sorted(maps.Keys(oldKeys)) {
		if _, ok := newKeys[k]; !ok {
			t.Errorf("the record no longer writes %s", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(newKeys)) {
		if _, ok := oldKeys[k]; !ok && !slices.ContainsFunc(addedSinceFixture, func(f string) bool { return strings.HasSuffix(f, "."+k) || f == k }) {
			t.Errorf("new record key %s is not listed in addedSinceFixture", k)
		}
	}
	for k, v := range oldKeys {
		if !bytes.Equal(compact(t, v), compact(t, newKeys[k])) {
			t.Errorf("%s: earlier %s, now %s", k, v, newKeys[k])
		}
	}
}

func compact(t *testing.T, v json.RawMessage) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// addedSince lists the parts of the record added after the fixture's
// release: a record without them must load (their zero value is safe), so
// the fixture leaves them unset.
var addedSince = map[string]bool{"DomainState": true}

// Every field of the fixture is set, so the test above covers every field
// the earlier release wrote. Fields added since carry omitempty (their zero
// value means "not known" and is not written), so the record written now
// keeps the earlier keys; they are not in the fixture.
func TestStateFixtureSetsEveryField(t *testing.T) {
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		for i := range v.NumField() {
			f, name := v.Field(i), path+v.Type().Field(i).Name
			if addedSince[name] {
				continue
			}
			if v.Type().Field(i).Anonymous {
				walk(f, name+".")
				continue
			}
			added := slices.Contains(addedSinceFixture, name)
			switch {
			case added && !f.IsZero():
				t.Errorf("%s was added after the fixture's release, yet the loaded record sets it", name)
			case !added && f.IsZero():
				t.Errorf("fixture leaves %s unset", name)
			}
		}
	}
	walk(reflect.ValueOf(*fixtureState()), "")
}

func TestStateIDsAndClone(t *testing.T) {
	st := fixtureState()
	ids := st.IDs()
	want := []string{
		"cloudfront distribution E2QWRUHEXAMPLE",
		"listener " + st.ListenerARNs[0],
		"load balancer " + st.ALBARN,
		"target group " + st.TargetGroupARN,
		"instance i-0abc",
		"mount target fsmt-0a", "mount target fsmt-0b",
		"file system fs-0123",
		"instance profile geusemaker-rec-eu-west-1",
		"iam role geusemaker-rec-eu-west-1",
		"security group sg-0alb", "security group sg-0efs", "security group sg-0inst",
		"route table rtb-0d4", "internet gateway igw-0c3",
		"subnet subnet-0a1", "subnet subnet-0b2", "subnet subnet-0c3",
		"vpc vpc-0a1",
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("IDs() =\n%v\nwant\n%v", ids, want)
	}
	c := st.Clone()
	c.SubnetIDs[0], c.MountTargetIPs["eu-west-1a"], c.ListenerARNs[0] = "x", "x", "x"
	if st.SubnetIDs[0] == "x" || st.MountTargetIPs["eu-west-1a"] == "x" || st.ListenerARNs[0] == "x" {
		t.Fatal("Clone shares slices or maps with the original")
	}
	st.OwnedNetwork = false
	if slices.Contains(st.IDs(), "vpc vpc-0a1") {
		t.Fatal("a network the user gave is listed as the deployment's")
	}
}
