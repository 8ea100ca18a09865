package awsemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func TestFaultAfterEveryTimes(t *testing.T) {
	e := startEmu(t, Options{})
	client := sts.NewFromConfig(sdkConfig(e, "us-east-1"))
	e.InjectFault(Fault{Service: "sts", Operation: "GetCallerIdentity", Code: "@throttle", After: 1, Every: 2, Times: 2})
	var got []string
	for i := 0; i < 7; i++ {
		_, err := client.GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
		var ae smithy.APIError
		if errors.As(err, &ae) {
			got = append(got, ae.ErrorCode())
		} else if err != nil {
			t.Fatal(err)
		} else {
			got = append(got, "ok")
		}
	}
	want := "ok Throttling ok Throttling ok ok ok"
	if strings.Join(got, " ") != want {
		t.Fatalf("sequence = %v, want %s", got, want)
	}
	f := e.Faults()[0]
	if f.Matched != 7 || f.Fired != 2 {
		t.Fatalf("counters = %+v", f)
	}
	counts := e.CallCounts()
	if counts["sts.GetCallerIdentity"] != 7 {
		t.Fatalf("counts = %v", counts)
	}
}

func TestFaultLatencyAndServerError(t *testing.T) {
	e := startEmu(t, Options{})
	client := sts.NewFromConfig(sdkConfig(e, "us-east-1"))
	e.InjectFault(Fault{Service: "sts", Code: "@5xx", Latency: Duration(50 * time.Millisecond), Times: 1})
	start := time.Now()
	_, err := client.GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Fatalf("want a 500, got %v", err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("latency not applied")
	}
	if _, err := client.GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("fault fired more than Times: %v", err)
	}
}

func TestControlAPI(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	post := func(path, body string) map[string]any {
		resp, err := http.Post(e.URL()+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, out)
		}
		return out
	}
	get := func(path string, v any) {
		resp, err := http.Get(e.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	if id := post("/_emu/faults", `{"service":"sts","code":"AccessDenied","times":1}`)["id"]; id != float64(1) {
		t.Fatalf("fault id = %v", id)
	}
	_, err := sts.NewFromConfig(sdkConfig(e, "us-east-1")).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("injected over HTTP: %v", err)
	}
	var calls struct {
		Counts map[string]int `json:"counts"`
		Log    []CallRecord   `json:"log"`
	}
	get("/_emu/calls", &calls)
	if calls.Counts["sts.GetCallerIdentity"] != 1 || calls.Log[0].Error != "AccessDenied" {
		t.Fatalf("calls = %+v", calls)
	}
	before := e.Now()
	post("/_emu/clock", `{"advance":"2h","speed":50}`)
	if d := e.Now().Sub(before); d < 2*time.Hour || e.Clock().Speed() != 50 {
		t.Fatalf("clock advanced %v speed %v", d, e.Clock().Speed())
	}
	post("/_emu/knobs", `{"ec2.boot_duration":"1m"}`)
	var knobs map[string]string
	get("/_emu/knobs", &knobs)
	if knobs["ec2.boot_duration"] != "1m" {
		t.Fatalf("knobs = %v", knobs)
	}
	post("/_emu/credentials", `{"access_key":"AKIATESTUSER00000001","secret_key":"s3cr3t","user":"alice"}`)
	var creds []Credential
	get("/_emu/credentials", &creds)
	if len(creds) != 2 || creds[1].Principal.ARN != "arn:aws:iam::123456789012:user/alice" {
		t.Fatalf("creds = %+v", creds)
	}
	var inv []Resource
	get("/_emu/inventory", &inv)
	if len(inv) != 0 {
		t.Fatalf("inventory = %v", inv)
	}
	post("/_emu/reset", `{}`)
	if len(e.Calls()) != 0 || len(e.Faults()) != 0 || len(e.Credentials()) != 1 {
		t.Fatal("reset left state behind")
	}
}

func TestTimeline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tl := NewTimeline("pending", t0)
	tl.Then("running", time.Minute).Then("stopped", -1)
	for _, c := range []struct {
		at   time.Duration
		want string
	}{{0, "pending"}, {59 * time.Second, "pending"}, {time.Minute, "running"}, {time.Hour, "running"}} {
		if got := tl.State(t0.Add(c.at)); got != c.want {
			t.Fatalf("at %v: %s, want %s", c.at, got, c.want)
		}
	}
	tl.Reset("shutting-down", t0.Add(30*time.Second)).Then("terminated", 10*time.Second)
	if got := tl.State(t0.Add(35 * time.Second)); got != "shutting-down" {
		t.Fatalf("after reset: %s", got)
	}
	if got := tl.State(t0.Add(5 * time.Minute)); got != "terminated" {
		t.Fatalf("final: %s", got)
	}
}

func TestPaginate(t *testing.T) {
	items := []int{1, 2, 3, 4, 5}
	page, next, err := Paginate(items, nil, 2, 100)
	if err != nil || len(page) != 2 || next == nil {
		t.Fatalf("first page %v %v %v", page, next, err)
	}
	var all []int
	all = append(all, page...)
	for next != nil {
		page, next, err = Paginate(items, next, 2, 100)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
	}
	if len(all) != 5 || all[4] != 5 {
		t.Fatalf("all = %v", all)
	}
	bad := "nonsense"
	if _, _, err := Paginate(items, &bad, 2, 100); err == nil || err.Code != "InvalidNextToken" {
		t.Fatalf("bad token: %v", err)
	}
}

func TestWildcardAndZones(t *testing.T) {
	if !matchAny("geusemaker-demo", []string{"geusemaker-*"}) || matchAny("other", []string{"geusemaker-*"}) || !matchAny("ab", []string{"a?"}) {
		t.Fatal("wildcard matching")
	}
	z := ZonesOf("ap-southeast-1")
	if len(z) != 3 || z[0].Name != "ap-southeast-1a" || z[0].ID != "apse1-az1" {
		t.Fatalf("zones = %+v", z)
	}
	if ZonesOf("us-east-1")[1].ID != "use1-az2" {
		t.Fatal("us-east-1 zone ids")
	}
	a, b := AMIsOf("us-east-1"), AMIsOf("eu-west-1")
	if a[0].ID == b[0].ID || a[0].ID != AMIsOf("us-east-1")[0].ID || !strings.HasPrefix(a[0].ID, "ami-") || len(a[0].ID) != 21 {
		t.Fatalf("ami ids %s %s", a[0].ID, b[0].ID)
	}
}
