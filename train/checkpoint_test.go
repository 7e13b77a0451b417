package train

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// tinyGAN is a GAN small enough for a checkpoint in testdata: G Linear(2,3),
// D Linear(3,1), an EMA of G, trained two steps on a fixed batch.
func tinyGAN() (*GAN, Meta) {
	rng := rand.New(rand.NewPCG(1, 2))
	g := nn.NewSequential(nn.NewLinear(2, 3, true, rng))
	d := nn.NewSequential(nn.NewLinear(3, 1, true, rng))
	ema := nn.NewSequential(nn.NewLinear(2, 3, true, rng))
	gan, err := NewGAN(Plain{g}, Plain{d}, Plain{ema}, Hyper{Loss: NonSaturating, ZDim: 2, LrG: 1e-2, LrD: 1e-2, Beta1: 0.5, Beta2: 0.999, EMA: 0.5}, 9)
	if err != nil {
		panic(err)
	}
	x := tensor.Uniform(rng, -1, 1, 4, 3)
	for i := 0; i < 2; i++ {
		gan.TrainStep(func() Batch { return Batch{X: x} })
	}
	cfg := DefaultConfig()
	cfg.Data, cfg.Steps, cfg.Epochs = "tiny", 2, 0
	return gan, Meta{Config: cfg, Epoch: 0, Loader: data.LoaderState{Seed: 1, Pos: 8, Len: 4}, KernelPath: "test", Threads: 1}
}

// testdata/gan-v1.ckpt was written by tinyGAN with the checkpoint code as
// it was before the VAE shared it. Today's code reads it into a GAN and,
// saving that GAN with the same metadata, writes the same bytes: GAN
// checkpoints keep their format.
func TestCheckpointV1GoldenFile(t *testing.T) {
	golden := filepath.Join("testdata", "gan-v1.ckpt")
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := ReadCheckpoint(golden)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Meta.Step != 2 || len(ck.G) != 2 || len(ck.D) != 2 || len(ck.EMA) != 2 {
		t.Fatalf("golden checkpoint: step %d, %d/%d/%d tensors", ck.Meta.Step, len(ck.G), len(ck.D), len(ck.EMA))
	}
	trained, meta := tinyGAN()
	fresh, _ := tinyGAN()
	fresh.Step = 0
	for _, p := range fresh.G.Params() {
		p.T.Data[0] += 1 // Restore must overwrite everything
	}
	if err := ck.Restore(fresh); err != nil {
		t.Fatal(err)
	}
	for i, p := range StateDictOf(fresh.G) {
		if !bytes.Equal(f32bytes(p.T.Data), f32bytes(StateDictOf(trained.G)[i].T.Data)) {
			t.Errorf("restored G %s differs from the trained one", p.Name)
		}
	}
	path := filepath.Join(t.TempDir(), "again.ckpt")
	if err := SaveCheckpoint(path, fresh, ck.Meta); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, want) {
		t.Errorf("re-saved checkpoint (%d bytes) differs from the version-1 file (%d bytes)", len(got), len(want))
	}
	// And today's code writes the same file from the training itself.
	if err := SaveCheckpoint(path, trained, meta); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
		t.Error("a fresh save of the same training differs from the version-1 file")
	}
}
