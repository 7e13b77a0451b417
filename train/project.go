package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// ProjectOptions configures Project. The zero value projects with an L2
// pixel loss, 4 restarts of 300 Adam steps at learning rate 0.05, no
// feature term and seed 0.
type ProjectOptions struct {
	Steps    int     // Adam steps per restart (default 300)
	LR       float64 // Adam learning rate on z (default 0.05), decayed to 0 on a cosine
	Loss     string  // pixel loss: "l2" (default) or "l1"
	Restarts int     // random starting latents per image; the best is kept (default 4)
	Seed     uint64  // draws the starting latents: the same seed repeats a projection

	// FeatureWeight weighs a feature-matching term, the mean squared
	// difference of Features' penultimate activations between the
	// reconstruction and the target, added to the pixel loss. 0 is off.
	FeatureWeight float64
	// Features is the network for the feature term; its input shape must be
	// the generator's image shape. Its weights should be frozen.
	Features *models.LeNet

	// Sphere keeps every latent on the sphere of radius sqrt(ZDim), where
	// N(0, I) latents concentrate: without it a projection may drift to
	// latents G never saw in training, which fit the image but interpolate
	// and move along directions badly.
	Sphere bool

	// Init, when set, is a starting latent per image (N, ZDim), such as a
	// VAE encoder's mean: it replaces the first restart's random draw.
	Init *tensor.Tensor

	// Labels gives a conditional generator one class per target image.
	Labels []int
	// Progress, when set, is called after every step of each chunk of
	// images with the chunk's mean loss per candidate.
	Progress func(done, total int, loss float64)
}

// Projection is the outcome of Project for N target images.
type Projection struct {
	Z     *tensor.Tensor // (N, ZDim): the best latent found per image
	Recon *tensor.Tensor // (N,C,H,W): G(Z), in [-1, 1]
	// MAE is each image's mean absolute pixel error between Recon and the
	// target, in 0-255 units; StartMAE is the same for the last restart's
	// starting latent, a random one unless Init gave it (one restart), the
	// error a projection is meant to beat.
	MAE, StartMAE []float64
	// Loss is each image's final objective (pixel loss plus the weighted
	// feature term) for the kept latent.
	Loss []float64
}

// MeanMAE is the mean of MAE over the images.
func (p *Projection) MeanMAE() float64 { return meanOf(p.MAE) }

// MeanStartMAE is the mean of StartMAE over the images.
func (p *Projection) MeanStartMAE() float64 { return meanOf(p.StartMAE) }

func meanOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(1, len(v)))
}

// projectChunk bounds the target images optimised together: their
// candidates (images x restarts) share one batch through G and the feature
// network, and 32 images x 4 restarts keep the feature network's columns
// near 100 MB.
const projectChunk = 32

// latentStreamProject is the PCG stream the starting latents are drawn
// from (the seed picks the state).
const latentStreamProject = 0x70726f6a656374 // "project"

func (o *ProjectOptions) fill() error {
	if o.Steps == 0 {
		o.Steps = 300
	}
	if o.LR == 0 {
		o.LR = 0.05
	}
	if o.Loss == "" {
		o.Loss = "l2"
	}
	if o.Restarts == 0 {
		o.Restarts = 4
	}
	switch {
	case o.Steps < 1:
		return fmt.Errorf("project: %d steps; want at least 1", o.Steps)
	case !(o.LR > 0) || math.IsInf(o.LR, 1):
		return fmt.Errorf("project: learning rate %g; want a positive number such as 0.05", o.LR)
	case o.Loss != "l2" && o.Loss != "l1":
		return fmt.Errorf("project: loss %q; want l2 or l1", o.Loss)
	case o.Restarts < 1:
		return fmt.Errorf("project: %d restarts; want at least 1", o.Restarts)
	case o.FeatureWeight < 0 || math.IsNaN(o.FeatureWeight):
		return fmt.Errorf("project: feature weight %g; want 0 (off) or more", o.FeatureWeight)
	case o.FeatureWeight > 0 && o.Features == nil:
		return errors.New("project: a feature weight needs a feature network")
	}
	return nil
}

// Project finds, for each target image (N,C,H,W) in [-1, 1], the latent z
// whose G(z) reproduces it best: Adam on z through G, with G in eval mode
// (Project leaves it so) and its weights untouched (gradients flow to z
// only). Each image starts
// from Restarts latents drawn N(0, 1) from the seed, and keeps the one with
// the lowest final loss. zDim is G's latent size.
//
// The result depends only on the targets, the options and the thread
// count: the starting latents of image i are the same whatever N is.
func Project(g Generator, zDim int, target *tensor.Tensor, opt ProjectOptions) (*Projection, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	if target.Rank() != 4 || target.Dim(0) < 1 {
		return nil, fmt.Errorf("project: targets of shape %v; want (N, C, H, W) with N >= 1", target.Shape())
	}
	n, c, h, w := target.Dim(0), target.Dim(1), target.Dim(2), target.Dim(3)
	if opt.Labels != nil && len(opt.Labels) != n {
		return nil, fmt.Errorf("project: %d labels for %d images", len(opt.Labels), n)
	}
	if f := opt.Features; opt.FeatureWeight > 0 && (f.C != c || f.H != h || f.W != w) {
		return nil, fmt.Errorf("project: the feature network takes (%d,%d,%d) images, the generator makes (%d,%d,%d); set the feature weight to 0",
			f.C, f.H, f.W, c, h, w)
	}
	if opt.Init != nil && (opt.Init.Rank() != 2 || opt.Init.Dim(0) != n || opt.Init.Dim(1) != zDim) {
		return nil, fmt.Errorf("project: starting latents of shape %v for %d images; want (%d, %d)", opt.Init.Shape(), n, n, zDim)
	}
	defer freeze(g)()
	rng := rand.New(rand.NewPCG(opt.Seed, latentStreamProject))
	// Image i's restarts are rows i*R .. i*R+R-1, drawn in that order, so
	// chunking does not change them.
	start := tensor.Randn(rng, 0, 1, n*opt.Restarts, zDim)
	if opt.Init != nil {
		for i := 0; i < n; i++ {
			copy(start.Data[i*opt.Restarts*zDim:(i*opt.Restarts+1)*zDim], opt.Init.Data[i*zDim:(i+1)*zDim])
		}
	}

	per := c * h * w
	p := &Projection{Z: tensor.Zeros(n, zDim), Recon: tensor.Zeros(n, c, h, w),
		MAE: make([]float64, n), StartMAE: make([]float64, n), Loss: make([]float64, n)}
	for lo := 0; lo < n; lo += projectChunk {
		hi := min(n, lo+projectChunk)
		m := hi - lo
		tgt := tensor.New(target.Data[lo*per:hi*per], m, c, h, w)
		z0 := tensor.New(start.Data[lo*opt.Restarts*zDim:hi*opt.Restarts*zDim], m*opt.Restarts, zDim)
		var labels []int
		if opt.Labels != nil {
			labels = opt.Labels[lo:hi]
		}
		ch, err := projectImages(g, tgt, z0.Clone(), labels, opt, func(step int, loss float64) {
			if opt.Progress != nil {
				opt.Progress(lo*opt.Steps+step*m, n*opt.Steps, loss)
			}
		})
		if err != nil {
			return nil, err
		}
		copy(p.Z.Data[lo*zDim:], ch.Z.Data)
		copy(p.Recon.Data[lo*per:], ch.Recon.Data)
		copy(p.MAE[lo:], ch.MAE)
		copy(p.StartMAE[lo:], ch.StartMAE)
		copy(p.Loss[lo:], ch.Loss)
	}
	return p, nil
}

// freeze puts g in eval mode, where it stays, and stops gradients reaching
// its weights for the projection (so its convolutions keep no columns for
// weight gradients); the returned function restores the weights' flags.
func freeze(g Generator) func() {
	nn.SetTraining(g, false)
	params := g.Params()
	was := make([]bool, len(params))
	for i, p := range params {
		was[i] = p.T.RequiresGrad()
		p.T.SetRequiresGrad(false)
	}
	return func() {
		for i, p := range params {
			p.T.SetRequiresGrad(was[i])
		}
	}
}

// projectImages optimises z (m*R, zDim), R candidates per target image,
// against tgt (m,C,H,W) and returns the best candidate of each image.
func projectImages(g Generator, tgt, z *tensor.Tensor, labels []int, opt ProjectOptions, progress func(step int, loss float64)) (*Projection, error) {
	m, r := tgt.Dim(0), opt.Restarts
	k := m * r
	// Candidate j = i*R + q targets image i.
	rep := repeatRows(tgt, r)
	var repLabels []int
	if labels != nil {
		repLabels = make([]int, k)
		for j := range repLabels {
			repLabels[j] = labels[j/r]
		}
	}
	var tgtFeat *tensor.Tensor
	if opt.FeatureWeight > 0 {
		tensor.NoGrad(func() {
			f, _ := opt.Features.Features(tgt)
			tgtFeat = repeatRows(f, r)
		})
	}
	if opt.Sphere {
		toSphere(z)
	}
	z.SetRequiresGrad(true)
	adam := nn.NewAdam([]nn.Param{{Name: "z", T: z}}, opt.LR, 0.9, 0.999, 1e-8, 0)
	startMAE := make([]float64, m)
	tensor.NoGrad(func() {
		x := g.Generate(z, repLabels)
		for i := range startMAE {
			// With Init, the first restart is not random but the last is.
			startMAE[i] = mae(x, rep, i*r+r-1)
		}
	})
	for step := 0; step < opt.Steps; step++ {
		adam.LR = opt.LR * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(opt.Steps)))
		adam.ZeroGrad()
		x := g.Generate(z, repLabels)
		// Each loss is a mean over the whole batch; scaling by the candidate
		// count makes every candidate's gradient that of its own loss.
		loss := pixelLoss(opt.Loss, x, rep)
		if opt.FeatureWeight > 0 {
			f, _ := opt.Features.Features(x)
			loss = tensor.Add(loss, tensor.Scale(tensor.MSE(f, tgtFeat), float32(opt.FeatureWeight)*float32(k)))
		}
		loss.BackwardTo(z)
		v := float64(loss.Item())
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("project: the loss became %v at step %d; lower the learning rate", v, step)
		}
		adam.Step()
		if opt.Sphere {
			toSphere(z)
		}
		progress(step+1, v)
	}
	z.SetRequiresGrad(false)
	out := &Projection{MAE: make([]float64, m), StartMAE: startMAE, Loss: make([]float64, m)}
	var recon *tensor.Tensor
	var scores []float64
	tensor.NoGrad(func() {
		recon = g.Generate(z, repLabels)
		scores = candidateLoss(opt, recon, rep, tgtFeat)
	})
	zDim, per := z.Dim(1), tgt.Numel()/m
	out.Z = tensor.Zeros(m, zDim)
	out.Recon = tensor.Zeros(tgt.Shape()...)
	for i := 0; i < m; i++ {
		best := i * r
		for j := best + 1; j < (i+1)*r; j++ {
			if scores[j] < scores[best] {
				best = j
			}
		}
		copy(out.Z.Data[i*zDim:(i+1)*zDim], z.Data[best*zDim:])
		copy(out.Recon.Data[i*per:(i+1)*per], recon.Data[best*per:])
		out.MAE[i] = mae(recon, rep, best)
		out.Loss[i] = scores[best]
	}
	return out, nil
}

// toSphere scales each row of z (K, D) to norm sqrt(D).
func toSphere(z *tensor.Tensor) {
	d := z.Dim(1)
	r := math.Sqrt(float64(d))
	for j := 0; j < z.Dim(0); j++ {
		row := z.Data[j*d : (j+1)*d]
		s := 0.0
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		if s == 0 {
			continue
		}
		k := float32(r / math.Sqrt(s))
		for i := range row {
			row[i] *= k
		}
	}
}

func pixelLoss(kind string, x, y *tensor.Tensor) *tensor.Tensor {
	scale := float32(x.Dim(0))
	if kind == "l1" {
		return tensor.Scale(tensor.L1(x, y), scale)
	}
	return tensor.Scale(tensor.MSE(x, y), scale)
}

// candidateLoss is each candidate's own objective: its pixel loss plus the
// weighted feature term, as the optimiser saw it.
func candidateLoss(opt ProjectOptions, x, y, yFeat *tensor.Tensor) []float64 {
	k := x.Dim(0)
	per := x.Numel() / k
	out := make([]float64, k)
	for j := range out {
		s := 0.0
		for i := j * per; i < (j+1)*per; i++ {
			d := float64(x.Data[i]) - float64(y.Data[i])
			if opt.Loss == "l1" {
				s += math.Abs(d)
			} else {
				s += d * d
			}
		}
		out[j] = s / float64(per)
	}
	if opt.FeatureWeight > 0 {
		f, _ := opt.Features.Features(x)
		d := f.Dim(1)
		for j := range out {
			s := 0.0
			for i := j * d; i < (j+1)*d; i++ {
				e := float64(f.Data[i]) - float64(yFeat.Data[i])
				s += e * e
			}
			out[j] += opt.FeatureWeight * s / float64(d)
		}
	}
	return out
}

// mae is the mean absolute difference of row j of x and y in 0-255 units
// (values in [-1, 1] span 255 levels over a width of 2).
func mae(x, y *tensor.Tensor, j int) float64 {
	per := x.Numel() / x.Dim(0)
	s := 0.0
	for i := j * per; i < (j+1)*per; i++ {
		s += math.Abs(float64(x.Data[i]) - float64(y.Data[i]))
	}
	return s / float64(per) * 127.5
}

// repeatRows returns x (N, ...) with each row repeated r times in place:
// rows 0,0,..,1,1,...
func repeatRows(x *tensor.Tensor, r int) *tensor.Tensor {
	n := x.Dim(0)
	per := x.Numel() / n
	shape := append([]int{n * r}, x.Shape()[1:]...)
	out := tensor.Zeros(shape...)
	for i := 0; i < n; i++ {
		for q := 0; q < r; q++ {
			copy(out.Data[(i*r+q)*per:], x.Data[i*per:(i+1)*per])
		}
	}
	return out
}
