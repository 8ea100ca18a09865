package awsemu

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// A held clock stands still; holds nest; released, it goes on from where
// it stood.
func TestClockHold(t *testing.T) {
	c := newClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1000)
	release := c.Hold()
	inner := c.Hold()
	at := c.Now()
	time.Sleep(20 * time.Millisecond)
	inner()
	inner() // a second release of the same hold does nothing
	time.Sleep(20 * time.Millisecond)
	if !c.Now().Equal(at) {
		t.Fatalf("the clock moved %v while held", c.Now().Sub(at))
	}
	release()
	time.Sleep(20 * time.Millisecond)
	if moved := c.Now().Sub(at); moved < 10*time.Second {
		t.Fatalf("released, the clock moved only %v in 20 ms at speed 1000", moved)
	}
	// Sleep counts virtual time: held for a while, it waits longer.
	start := c.Now()
	hold := c.Hold()
	go func() { time.Sleep(30 * time.Millisecond); hold() }()
	if err := c.Sleep(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if slept := c.Now().Sub(start); slept < 5*time.Second {
		t.Fatalf("slept %v of virtual time, want 5 s", slept)
	}
}

// With HoldClock, serving a call takes no virtual time; with CallLatency
// the answer comes that long after the call took effect.
func TestHoldClockAndCallLatency(t *testing.T) {
	e := startEmu(t, Options{Speed: 100, HoldClock: true, CallLatency: 2 * time.Second})
	before := e.Now()
	if _, err := ec2Client(e).CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.3.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	after := e.Now()
	calls := e.Calls()
	took := calls[len(calls)-1].Time
	if after.Sub(took) < 2*time.Second {
		t.Fatalf("the answer came %v after the call took effect, want the 2 s latency", after.Sub(took))
	}
	if after.Sub(before) > time.Minute {
		t.Fatalf("one call took %v of virtual time", after.Sub(before))
	}
	// The control API is not delayed.
	resp, err := http.Get(e.URL() + "/_emu/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// The clock waits at a sleeper's wake-up time until the sleeper has woken,
// and goes on from there, not from where real time would have taken it.
func TestClockWaitsForSleepers(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newClock(start, 1000)
	c.mu.Lock()
	c.wakers[1] = start.Add(5 * time.Second) // a sleeper slow to wake
	c.mu.Unlock()
	time.Sleep(30 * time.Millisecond) // 30 s at speed 1000
	if now := c.Now(); !now.Equal(start.Add(5 * time.Second)) {
		t.Fatalf("the clock went on to %v past a sleeper due at 5 s", now.Sub(start))
	}
	c.mu.Lock()
	c.nowLocked()
	delete(c.wakers, 1)
	c.mu.Unlock()
	if moved := c.Now().Sub(start); moved < 5*time.Second || moved > 20*time.Second {
		t.Fatalf("after the sleeper woke the clock is at %v, want just past 5 s", moved)
	}
	// A real sleeper returns at its wake-up time.
	before := c.Now()
	if err := c.Sleep(context.Background(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if slept := c.Now().Sub(before); slept < 3*time.Second || slept > 10*time.Second {
		t.Fatalf("slept %v of virtual time, want 3 s", slept)
	}
}
