package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// Recon names a VAE's reconstruction loss.
type Recon string

// The reconstruction losses. Each is summed over an image's pixels and
// averaged over the batch, on the [-1, 1] scale images are stored in, so
// that with the KL term (also summed over latent dimensions) beta = 1 is
// the negative ELBO of the likelihood the loss stands for:
//
//	mse: a Gaussian with variance 1/2 per pixel, sum (y-x)^2
//	l1:  a Laplacian with scale 1, sum |y-x|
//	bce: a Bernoulli on intensities (x+1)/2, as pytorch/examples' VAE
const (
	ReconMSE Recon = "mse"
	ReconL1  Recon = "l1"
	ReconBCE Recon = "bce"
)

// Recons lists the reconstruction losses.
var Recons = []Recon{ReconMSE, ReconL1, ReconBCE}

// ParseRecon checks a --recon value.
func ParseRecon(s string) (Recon, error) {
	for _, r := range Recons {
		if string(r) == s {
			return r, nil
		}
	}
	names := make([]string, len(Recons))
	for i, r := range Recons {
		names[i] = string(r)
	}
	return "", settingErr("recon", "{recon} %q: choose one of %s", s, strings.Join(names, ", "))
}

// VAEHyper holds the settings of a VAE's updates.
type VAEHyper struct {
	Recon        Recon
	Beta         float64 // weight of the KL term; 1 is the ELBO
	ZDim         int
	LrDec, LrEnc float64 // Adam learning rates of the decoder and encoder
	Beta1, Beta2 float64
	EMA          float64 // decay of the decoder's moving average; 0 is off
	EMAWarmup    bool    // ramp the decay up over the first steps (see emaDecay)
}

// VAE is a variational autoencoder's training state: the network, its two
// optimisers (one per half, which is the same as one Adam over both:
// Adam's update is per parameter), the decoder's moving average, the step
// count and the random stream of the reparameterisation noise.
type VAE struct {
	Net    *models.VAE
	EMA    Generator // nil unless VAEHyper.EMA > 0
	OptDec *nn.Adam
	OptEnc *nn.Adam
	H      VAEHyper
	Step   int

	src   *rand.PCG
	rng   *rand.Rand
	arena *tensor.Arena // the step's tensors, recycled at the next step
}

// NewVAE prepares net for training. ema, when VAEHyper.EMA > 0, must be a
// second generator of the decoder's architecture; its weights start as the
// decoder's.
func NewVAE(net *models.VAE, ema Generator, h VAEHyper, seed uint64) (*VAE, error) {
	if _, err := ParseRecon(string(h.Recon)); err != nil {
		return nil, err
	}
	if h.Beta < 0 {
		return nil, fmt.Errorf("train: VAE beta %g: the KL weight must not be negative", h.Beta)
	}
	v := &VAE{Net: net, H: h}
	v.OptDec = nn.NewAdam(net.Decoder.Params(), h.LrDec, h.Beta1, h.Beta2, 1e-8, 0)
	v.OptEnc = nn.NewAdam(net.Encoder.Params(), h.LrEnc, h.Beta1, h.Beta2, 1e-8, 0)
	if h.EMA > 0 {
		if ema == nil {
			return nil, fmt.Errorf("train: EMA decay %v needs a second generator", h.EMA)
		}
		if err := nn.LoadStateDict(ema, nn.StateDict(net.Decoder)); err != nil {
			return nil, fmt.Errorf("train: EMA generator does not match the decoder: %w", err)
		}
		for _, p := range ema.Params() {
			p.T.SetRequiresGrad(false)
		}
		nn.SetTraining(ema, false)
		v.EMA = ema
	}
	v.src = rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	v.rng = rand.New(v.src)
	nn.SetTraining(net.Decoder, true)
	nn.SetTraining(net.Encoder, true)
	return v, nil
}

// TrainStep runs one update of both halves on a batch from next, with the
// reparameterisation trick: z = mu + exp(logvar/2)*eps, eps ~ N(0, 1).
// The Stats carry the VAE's figures in the GAN's columns:
//
//	LossD  reconstruction loss (per image, summed over pixels)
//	LossG  KL(q(z|x) || N(0, 1)) (per image, summed over latents)
//	DReal  active latent dimensions: those whose mean mu varies across
//	       the batch with variance above 0.01 (Burda et al., 2016)
//	DFake  mean posterior standard deviation exp(logvar/2); near 1 with
//	       few active dimensions means the posterior collapsed to the prior
//
// so the objective is LossD + Beta*LossG.
func (v *VAE) TrainStep(next func() Batch) (st Stats) {
	if v.arena == nil {
		v.arena = tensor.NewArena()
	}
	v.arena.Reset()
	tensor.UseArena(v.arena, func() { st = v.trainStep(next) })
	return st
}

func (v *VAE) trainStep(next func() Batch) Stats {
	b := next()
	n := b.X.Dim(0)
	v.OptDec.ZeroGrad()
	v.OptEnc.ZeroGrad()
	mu, logvar := v.Net.Encoder.Encode(b.X, b.Labels)
	eps := tensor.Randn(v.rng, 0, 1, n, v.H.ZDim)
	z := tensor.Add(mu, tensor.Mul(tensor.Exp(tensor.Scale(logvar, 0.5)), eps))
	y, pre := v.Net.Decode(z, b.Labels)
	rec := ReconLoss(v.H.Recon, y, pre, b.X)
	kl := tensor.GaussianKL(mu, logvar)
	loss := tensor.Add(rec, tensor.Scale(kl, float32(v.H.Beta)))
	loss.Backward()
	v.OptDec.Step()
	v.OptEnc.Step()
	if v.EMA != nil {
		emaUpdate(v.EMA, v.Net.Decoder, emaDecay(v.H.EMA, v.H.EMAWarmup, v.Step))
	}
	v.Step++
	return Stats{LossD: float64(rec.Item()), LossG: float64(kl.Item()),
		DReal: float64(activeUnits(mu)), DFake: meanStd(logvar)}
}

// ReconLoss is the reconstruction loss r of images x (N, C, H, W) in
// [-1, 1] by the decoder's output y = tanh(pre), summed over each image's
// pixels and averaged over the batch. BCE is taken on intensities
// (x+1)/2 with the decoder's probabilities (y+1)/2 = sigmoid(2*pre), that
// is BCE with logits 2*pre, which stays finite where y saturates.
func ReconLoss(r Recon, y, pre, x *tensor.Tensor) *tensor.Tensor {
	per := float32(x.Numel() / max(1, x.Dim(0)))
	switch r {
	case ReconMSE:
		return tensor.Scale(tensor.MSE(y, x), per)
	case ReconL1:
		return tensor.Scale(tensor.L1(y, x), per)
	case ReconBCE:
		var t *tensor.Tensor
		tensor.NoGrad(func() { t = tensor.AddScalar(tensor.Scale(x, 0.5), 0.5) })
		return tensor.Scale(tensor.BCEWithLogits(tensor.Scale(pre, 2), t), per)
	}
	panic(fmt.Sprintf("train: ReconLoss: unknown reconstruction loss %q", r))
}

// activeUnits counts the columns of mu (N, D) whose variance over the
// batch exceeds 0.01.
func activeUnits(mu *tensor.Tensor) int {
	n, d := mu.Dim(0), mu.Dim(1)
	active := 0
	for j := 0; j < d; j++ {
		var s, ss float64
		for i := 0; i < n; i++ {
			v := float64(mu.Data[i*d+j])
			s += v
			ss += v * v
		}
		m := s / float64(n)
		if ss/float64(n)-m*m > 0.01 {
			active++
		}
	}
	return active
}

// meanStd is the mean of exp(logvar/2).
func meanStd(logvar *tensor.Tensor) float64 {
	s := 0.0
	for _, v := range logvar.Data {
		s += math.Exp(0.5 * float64(v))
	}
	return s / float64(max(1, len(logvar.Data)))
}

// Reconstruct returns the decoder's images of the posterior means of x
// (N, C, H, W), both halves in evaluation mode: what the VAE keeps of each
// image.
func (v *VAE) Reconstruct(x *tensor.Tensor, labels []int) *tensor.Tensor {
	enc, dec := v.Net.Encoder, v.Net.Decoder
	nn.SetTraining(enc, false)
	nn.SetTraining(dec, false)
	defer nn.SetTraining(enc, true)
	defer nn.SetTraining(dec, true)
	var out *tensor.Tensor
	tensor.NoGrad(func() {
		mu, _ := enc.Encode(x, labels)
		out, _ = v.Net.Decode(mu, labels)
	})
	return out
}

// Sampler returns the decoder's moving average when there is one, the
// decoder otherwise.
func (v *VAE) Sampler() Generator {
	if v.EMA != nil {
		return v.EMA
	}
	return v.Net.Decoder
}

// Parts returns the decoder in G's slots and the encoder in D's (Model).
func (v *VAE) Parts() Parts {
	p := Parts{Step: &v.Step, G: v.Net.Decoder, D: v.Net.Encoder, OptG: v.OptDec, OptD: v.OptEnc, GName: "decoder", DName: "encoder"}
	if v.EMA != nil {
		p.EMA = v.EMA
	}
	return p
}

// RandState returns the noise stream's state for a checkpoint.
func (v *VAE) RandState() ([]byte, error) { return v.src.MarshalBinary() }

// SetRandState restores the noise stream.
func (v *VAE) SetRandState(b []byte) error { return v.src.UnmarshalBinary(b) }
