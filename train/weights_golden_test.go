package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// weightsHash is the SHA-256 of G's, D's and the moving average's state
// dicts (BatchNorm statistics included), in order, as float32 bits.
func weightsHash(m Model) string {
	h := sha256.New()
	p := m.Parts()
	var b [4]byte
	for _, mod := range []nn.Module{p.G, p.D, p.EMA} {
		if mod == nil {
			continue
		}
		for _, q := range StateDictOf(mod) {
			h.Write([]byte(q.Name))
			for _, v := range q.T.Data {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
				h.Write(b[:])
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// goldenWeights are the weight hashes of weightsGoldenRuns, recorded per
// kernel path (GOGAN_KERNEL) and thread count before the loop and the
// BatchNorm kernels were reworked for speed: speed work must not change a
// single bit of what a run trains. A path not listed here is skipped.
var goldenWeights = map[string]string{
	"avx2/modern/threads=1":     "c3df8289db1efab7",
	"avx2/modern/threads=2":     "64dc3dce05219238",
	"avx2/classic/threads=1":    "3e757e724227a630",
	"avx2/classic/threads=2":    "ce22f60409317203",
	"sse/modern/threads=1":      "072bbbb3524860b4",
	"sse/modern/threads=2":      "f07087344ee98b53",
	"sse/classic/threads=1":     "aab5ddea30bf8e99",
	"sse/classic/threads=2":     "df52ed72db1f819a",
	"generic/modern/threads=1":  "072bbbb3524860b4",
	"generic/modern/threads=2":  "f07087344ee98b53",
	"generic/classic/threads=1": "aab5ddea30bf8e99",
	"generic/classic/threads=2": "df52ed72db1f819a",
}

// TestRunWeightsGolden trains the DCGAN (batch 32) a few steps through the whole
// loop (loader, step, EMA, samples, checkpoints) under both recipes and
// compares the weights bit for bit with those recorded.
func TestRunWeightsGolden(t *testing.T) {
	for _, recipe := range Recipes {
		for _, threads := range []int{1, 2} {
			name := fmt.Sprintf("%s/%s/threads=%d", tensor.KernelPath(), recipe, threads)
			t.Run(name, func(t *testing.T) {
				cfg, err := toyConfig("dcgan", 5).WithRecipe(recipe)
				if err != nil {
					t.Fatal(err)
				}
				cfg.Threads, cfg.BatchSize = threads, 32
				// The rates the hashes were recorded at: retuning a recipe
				// must not look like a kernel that changed its results.
				cfg.LrG, cfg.LrD = 2e-4, 2e-4
				r := trainTo(t, cfg, t.TempDir(), false)
				got := weightsHash(r.Model())
				want, ok := goldenWeights[name]
				if !ok {
					t.Skipf("no weights recorded for %s (got %s)", name, got)
				}
				if got != want {
					t.Errorf("weights after 5 steps hash to %s, want %s: the run no longer trains bit-identically", got, want)
				}
			})
		}
	}
}
