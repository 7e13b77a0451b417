package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// Generator is what the loop trains as G: a module that maps latents (and
// labels, for a conditional model) to images in [-1, 1].
type Generator interface {
	nn.Module
	Generate(z *tensor.Tensor, labels []int) *tensor.Tensor
}

// Discriminator is what the loop trains as D: a module that maps images
// (and labels) to one raw score per image, shaped (N, 1).
type Discriminator interface {
	nn.Module
	Score(x *tensor.Tensor, labels []int) *tensor.Tensor
}

// Plain adapts an unconditional nn.Module (z -> image, or image -> score)
// to Generator and Discriminator, so custom networks can be trained.
type Plain struct{ nn.Module }

// Generate runs the module on z; labels must be nil.
func (p Plain) Generate(z *tensor.Tensor, labels []int) *tensor.Tensor { return p.Forward(z) }

// Score runs the module on x; labels must be nil.
func (p Plain) Score(x *tensor.Tensor, labels []int) *tensor.Tensor { return p.Forward(x) }

// Hyper holds the settings of the adversarial updates.
type Hyper struct {
	Loss      Loss
	ZDim      int
	Classes   int     // > 0: conditional; fake labels are drawn uniformly
	DSteps    int     // D updates per G update
	LrG, LrD  float64 // Adam learning rates
	Beta1     float64
	Beta2     float64
	GPWeight  float64 // WGAN-GP penalty weight (10 by default for wgan-gp)
	R1        float64 // R1 penalty gamma on real data, any loss; 0 is off
	R1Every   int     // > 1: lazy R1 on every R1Every-th D update only (r1Weight); 0, 1: every update
	EMA       float64 // decay of G's moving average; 0 is off
	EMAWarmup bool    // ramp the decay up over the first steps (see emaDecay)
	RealLabel float64 // BCE/LSGAN target for real data: 1, or less for one-sided smoothing
	Augment   Augment // DiffAugment policy for every image D sees; nil is off
}

// Batch is a batch of real images (N, C, H, W) with labels (nil if none).
type Batch struct {
	X      *tensor.Tensor
	Labels []int
}

// Stats are one step's losses and D's mean raw outputs.
type Stats struct {
	LossD, LossG float64
	DReal, DFake float64
}

// GAN is the adversarial loop's state: both players, their optimisers, G's
// moving average, the step count and the random stream for latents.
type GAN struct {
	G    Generator
	D    Discriminator
	EMA  Generator // nil unless Hyper.EMA > 0
	OptG *nn.Adam
	OptD *nn.Adam
	H    Hyper
	Step int

	src   *rand.PCG
	rng   *rand.Rand
	arena *tensor.Arena // the step's tensors, recycled at the next step
}

// NewGAN prepares G and D for training. ema, when Hyper.EMA > 0, must be a
// second generator of the same architecture; its weights start as G's.
func NewGAN(g Generator, d Discriminator, ema Generator, h Hyper, seed uint64) (*GAN, error) {
	if h.DSteps < 1 {
		h.DSteps = 1
	}
	if h.RealLabel == 0 {
		h.RealLabel = 1
	}
	if h.Loss == WGANGP && h.GPWeight == 0 {
		h.GPWeight = 10
	}
	if _, err := ParseLoss(string(h.Loss)); err != nil {
		return nil, err
	}
	if _, err := ParseAugment(h.Augment.String()); err != nil {
		return nil, err
	}
	t := &GAN{G: g, D: d, H: h}
	t.OptG = nn.NewAdam(g.Params(), h.LrG, h.Beta1, h.Beta2, 1e-8, 0)
	t.OptD = nn.NewAdam(d.Params(), h.LrD, h.Beta1, h.Beta2, 1e-8, 0)
	if h.EMA > 0 {
		if ema == nil {
			return nil, fmt.Errorf("train: EMA decay %v needs a second generator", h.EMA)
		}
		if err := nn.LoadStateDict(ema, nn.StateDict(g)); err != nil {
			return nil, fmt.Errorf("train: EMA generator does not match G: %w", err)
		}
		for _, p := range ema.Params() {
			p.T.SetRequiresGrad(false)
		}
		nn.SetTraining(ema, false)
		t.EMA = ema
	}
	t.src = rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	t.rng = rand.New(t.src)
	nn.SetTraining(g, true)
	nn.SetTraining(d, true)
	return t, nil
}

// Sampler returns the generator used for samples and export: the moving
// average when there is one, G otherwise.
func (t *GAN) Sampler() Generator {
	if t.EMA != nil {
		return t.EMA
	}
	return t.G
}

// Noise draws n latents N(0, 1) from the loop's stream and, for a
// conditional model, n uniform labels.
func (t *GAN) Noise(n int) (*tensor.Tensor, []int) {
	z := tensor.Randn(t.rng, 0, 1, n, t.H.ZDim)
	var labels []int
	if t.H.Classes > 0 {
		labels = make([]int, n)
		for i := range labels {
			labels[i] = t.rng.IntN(t.H.Classes)
		}
	}
	return z, labels
}

// RandState returns the latent stream's state for a checkpoint.
func (t *GAN) RandState() ([]byte, error) { return t.src.MarshalBinary() }

// SetRandState restores the latent stream.
func (t *GAN) SetRandState(b []byte) error { return t.src.UnmarshalBinary(b) }

func mean(x *tensor.Tensor) float64 {
	s := 0.0
	for _, v := range x.Data {
		s += float64(v)
	}
	return s / float64(max(1, len(x.Data)))
}

// TrainStep runs H.DSteps discriminator updates, each on a batch from next,
// then one generator update. The generator's fake batch of the last D
// update is reused for the G update (as pytorch/examples does), and in the
// G update D's weight gradients are not computed at all. With
// Hyper.Augment, every batch D scores gets its own augmentation draw,
// the G update's included, and G's gradient flows through it. A step's tensors
// come from an arena that the next step reuses: fresh memory would cost
// page faults and garbage collection at every step.
func (t *GAN) TrainStep(next func() Batch) (st Stats) {
	if t.arena == nil {
		t.arena = tensor.NewArena()
	}
	t.arena.Reset()
	tensor.UseArena(t.arena, func() { st = t.trainStep(next) })
	return st
}

func (t *GAN) trainStep(next func() Batch) Stats {
	var st Stats
	var fake *tensor.Tensor
	var fakeLabels []int
	for k := 0; k < t.H.DSteps; k++ {
		// Every tensor of a D update but the last's fake batch dies with
		// it: its buffers go back to the arena for the G update, which
		// runs the same D layers (a third less peak memory at DCGAN's).
		mark := t.arena.Mark()
		reals := next()
		n := reals.X.Dim(0)
		z, labels := t.Noise(n)
		last := k == t.H.DSteps-1
		if last {
			fake = t.G.Generate(z, labels) // recorded: reused by the G step
			fakeLabels = labels
			mark = t.arena.Mark()
		} else {
			tensor.NoGrad(func() { fake = t.G.Generate(z, labels) })
		}
		st.LossD, st.DReal, st.DFake = t.dStep(reals, fake.Detach(), labels, t.Step*t.H.DSteps+k)
		// D's parameters keep their gradients from the released buffers:
		// nothing reads them before the next update's ZeroGrad.
		t.arena.Release(mark)
	}
	t.OptG.ZeroGrad()
	// D's weights take no part in G's update: with them excluded, D's
	// layers neither keep inputs for nor compute weight gradients.
	dParams := t.D.Params()
	for _, p := range dParams {
		p.T.SetRequiresGrad(false)
	}
	out := t.D.Score(t.augment(fake).apply(fake), fakeLabels)
	for _, p := range dParams {
		p.T.SetRequiresGrad(true)
	}
	lossG := t.H.Loss.GLoss(out)
	var params []*tensor.Tensor
	for _, p := range t.G.Params() {
		params = append(params, p.T)
	}
	lossG.BackwardTo(params...)
	t.OptG.Step()
	st.LossG = float64(lossG.Item())
	if t.EMA != nil {
		t.updateEMA()
	}
	t.Step++
	return st
}

// dStep makes D update number n (counted from 0 over the run) and returns
// its loss and mean raw outputs.
func (t *GAN) dStep(reals Batch, fake *tensor.Tensor, fakeLabels []int, n int) (loss, dReal, dFake float64) {
	t.OptD.ZeroGrad()
	augR, augF := t.augment(reals.X), t.augment(fake)
	outR := t.D.Score(augR.apply(reals.X), reals.Labels)
	outF := t.D.Score(augF.apply(fake), fakeLabels)
	l := t.H.Loss.DLoss(outR, outF, float32(t.H.RealLabel))
	// The penalties differentiate D through the augmentation, at the
	// images before it, as DiffAugment's and StyleGAN2-ADA's R1 do; R1
	// reuses the draw the real batch was scored with.
	score := func(a augDraw) func(*tensor.Tensor) *tensor.Tensor {
		return func(x *tensor.Tensor) *tensor.Tensor { return t.D.Score(a.apply(x), reals.Labels) }
	}
	if t.H.Loss == WGANGP {
		eps := tensor.Uniform(t.rng, 0, 1, reals.X.Dim(0), 1, 1, 1)
		var mix *tensor.Tensor
		tensor.NoGrad(func() {
			mix = tensor.Add(tensor.Mul(eps, reals.X), tensor.Mul(tensor.AddScalar(tensor.Neg(eps), 1), fake))
		})
		l = tensor.Add(l, tensor.Scale(GradPenalty(score(t.augment(mix)), mix, 1), float32(t.H.GPWeight)))
	}
	if w := r1Weight(t.H, n); w > 0 {
		l = tensor.Add(l, tensor.Scale(GradPenalty(score(augR), reals.X, -1), float32(w/2)))
	}
	l.Backward()
	t.OptD.Step()
	return float64(l.Item()), mean(outR), mean(outF)
}

// augment draws the augmentation policy for a batch shaped like x (N, C,
// H, W) from the loop's stream; with augmentation off it draws nothing
// and is the identity.
func (t *GAN) augment(x *tensor.Tensor) augDraw {
	if len(t.H.Augment) == 0 {
		return nil
	}
	return t.H.Augment.draw(t.rng, x.Dim(0), x.Dim(2), x.Dim(3))
}

// updateEMA moves the average toward G: ema = d*ema + (1-d)*g for weights;
// BatchNorm statistics are averaged the same way.
func (t *GAN) updateEMA() { emaUpdate(t.EMA, t.G, emaDecay(t.H.EMA, t.H.EMAWarmup, t.Step)) }

// r1Weight is the R1 gamma of D update n: h.R1 on every update, or with
// lazy R1 (StyleGAN2's lazy regularisation) h.R1*h.R1Every on updates
// 0, R1Every, 2*R1Every, ... and 0 between them, so the penalty's average
// weight is unchanged at 1/R1Every of its cost. The penalty joins that
// update's loss rather than taking an optimiser step of its own, so Adam's
// settings need none of StyleGAN2's adjustment for extra steps.
func r1Weight(h Hyper, n int) float64 {
	if h.R1 <= 0 {
		return 0
	}
	if h.R1Every <= 1 {
		return h.R1
	}
	if n%h.R1Every != 0 {
		return 0
	}
	return h.R1 * float64(h.R1Every)
}

// Parts returns G, D, the moving average and their optimisers (Model).
func (t *GAN) Parts() Parts {
	p := Parts{Step: &t.Step, G: t.G, D: t.D, OptG: t.OptG, OptD: t.OptD, GName: "generator", DName: "discriminator"}
	if t.EMA != nil {
		p.EMA = t.EMA
	}
	return p
}

// Finite reports whether both losses are finite numbers.
func (s Stats) Finite() bool {
	return !math.IsNaN(s.LossD) && !math.IsInf(s.LossD, 0) && !math.IsNaN(s.LossG) && !math.IsInf(s.LossG, 0)
}
