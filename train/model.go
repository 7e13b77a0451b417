package train

import (
	"github.com/gogan/gan/train/nn"
)

// Model is what a Run trains: the adversarial pair (*GAN) or the
// variational autoencoder (*VAE). The run folder, samples, metrics,
// checkpoints and exact resume are the same for both.
type Model interface {
	// TrainStep runs one training step on batches from next.
	TrainStep(next func() Batch) Stats
	// Sampler is the generator that draws sample grids, is scored by
	// --eval-every and is exported.
	Sampler() Generator
	// Parts are the networks and optimisers a checkpoint holds.
	Parts() Parts
	// RandState and SetRandState save and restore the model's random
	// stream (latents, or the VAE's reparameterisation noise).
	RandState() ([]byte, error)
	SetRandState(b []byte) error
}

// Parts are a model's state in the slots of a checkpoint: a GAN's G, D, the
// moving average of G and the two Adam states; a VAE's decoder in G's slots
// and its encoder in D's, so that both write the same file layout and a
// VAE's checkpoint exports like a GAN's.
type Parts struct {
	Step       *int      // the model's step counter
	G, D       nn.Module // G is a Generator
	EMA        nn.Module // nil when there is no moving average
	OptG, OptD *nn.Adam
	// GName and DName say what G and D are, in messages: "generator" and
	// "discriminator", or "decoder" and "encoder".
	GName, DName string
}

// emaDecay is the decay of the moving-average update made after step
// completed steps (0 for the first). Without warm-up it is d. With it, it
// is min(d, (1+step)/(10+step)), the ramp of TensorFlow's
// ExponentialMovingAverage with num_updates: 0.1 at the first update, 0.9
// by step 80, 0.99 by step 890, reaching 0.999 at step 8991. The average
// then follows G closely early on, when G moves fast and old weights are
// worthless, and a short run's average is not held back by the random
// initialisation it started from (with d = 0.999 that weight is still 37%
// after 1000 steps; with warm-up it is below 1e-9).
func emaDecay(d float64, warmup bool, step int) float32 {
	if warmup {
		d = min(d, float64(1+step)/float64(10+step))
	}
	return float32(d)
}

// emaUpdate moves the average dst toward src: dst = d*dst + (1-d)*src for
// every weight and BatchNorm statistic.
func emaUpdate(dst, src nn.Module, d float32) {
	s, t := nn.StateDict(src), nn.StateDict(dst)
	for i := range s {
		a, b := t[i].T.Data, s[i].T.Data
		for j := range a {
			a[j] = d*a[j] + (1-d)*b[j]
		}
	}
}

// trains reports whether the sampler g is a network being trained (rather
// than a moving average that always stays in evaluation mode).
func trains(m Model, g Generator) bool {
	return nn.Module(g) == m.Parts().G
}
