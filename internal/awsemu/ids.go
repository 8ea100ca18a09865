package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
)

// idGen produces deterministic identifiers: the n-th id with a given prefix is
// the same in every run, yet looks like the real thing (i-0a1b2c3d4e5f60718).
type idGen struct {
	mu       sync.Mutex
	seed     string
	counters map[string]int
}

func newIDGen(seed string) *idGen {
	return &idGen{seed: seed, counters: map[string]int{}}
}

func (g *idGen) reset() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.counters = map[string]int{}
}

// hex returns n lowercase hex characters unique to (kind, counter).
func (g *idGen) hex(kind string, n int) string {
	g.mu.Lock()
	g.counters[kind]++
	c := g.counters[kind]
	g.mu.Unlock()
	var out strings.Builder
	for i := 0; out.Len() < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d/%d", g.seed, kind, c, i)))
		out.WriteString(hex.EncodeToString(sum[:]))
	}
	return out.String()[:n]
}

// ID returns prefix-<17 hex>, the shape of EC2 ids (i-, vpc-, subnet-, sg-, ...).
func (e *Emulator) ID(prefix string) string {
	return prefix + "-" + e.ids.hex(prefix, 17)
}

// HexID returns n hex characters for a kind, for ids with other shapes.
func (e *Emulator) HexID(kind string, n int) string {
	return e.ids.hex(kind, n)
}

// AlnumID returns n upper-case alphanumerics (IAM unique ids, CloudFront ids).
func (e *Emulator) AlnumID(kind string, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	h := e.ids.hex(kind, 2*n)
	var b strings.Builder
	for i := 0; i < n; i++ {
		var v int
		fmt.Sscanf(h[2*i:2*i+2], "%02x", &v)
		b.WriteByte(alphabet[v%len(alphabet)])
	}
	return b.String()
}

// requestID returns a UUID-shaped request id.
func (e *Emulator) requestID() string {
	h := e.ids.hex("request", 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
