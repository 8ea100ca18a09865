package userdata

import (
	"fmt"
	"strings"
	"testing"
)

// The provider accepts at most 20 Ollama models of at most 200 characters
// (the ollama_models validators). The largest boot script those limits allow
// (every service, GPU, tier 3, names gzip cannot shorten) must stay under
// EC2's 16 KB user data limit; when the script grows past it, the limits must
// shrink with it.
func TestLargestConfigurationFits(t *testing.T) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	x := uint32(2463534242)
	var models []string
	for i := range 20 {
		prefix := fmt.Sprintf("o%02d/", i)
		b := make([]byte, 200-len(prefix)-3)
		for j := range b {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			b[j] = alphabet[x%uint32(len(alphabet))]
		}
		models = append(models, prefix+string(b)+":q4")
	}
	if len(models[0]) != 200 || !reModel.MatchString(models[0]) {
		t.Fatalf("model name of %d characters: %q", len(models[0]), models[0])
	}
	name := strings.Repeat("n", 28) // the longest deployment name
	r, err := Render(Params{Deployment: name, Region: "ap-southeast-5", Tier: 3, GPU: true,
		Services: AllServices(), OllamaModels: models, EFSID: "fs-0123456789abcdef0", MountTargetIP: "100.127.255.254",
		CredentialsPath: CredentialsPathFor(name)})
	if err != nil {
		t.Fatalf("the largest valid configuration does not render: %v", err)
	}
	t.Logf("largest boot script: %d bytes gzipped of %d", len(r.Gzipped), MaxUserDataBytes)
	if len(r.Gzipped) > MaxUserDataBytes {
		t.Fatalf("the largest valid configuration is %d bytes gzipped, over %d", len(r.Gzipped), MaxUserDataBytes)
	}
}
