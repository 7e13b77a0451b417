package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogan/gan/train/tensor"
)

// SpectralNorm is spectral normalisation (Miyato et al. 2018) of one
// layer's weight, as torch.nn.utils.spectral_norm computes it: every
// forward pass uses weight_orig / sigma, sigma = u^T W v, where W is the
// weight as a (rows, cols) matrix (dimension Dim first, the rest
// flattened). In training mode each forward pass first runs Iterations
// steps of the power method on U and V; in evaluation mode they stay as
// they are. The gradient flows through sigma to the weight, not to U and V.
//
// With it on, a layer's state dict mirrors PyTorch's: its weight is the
// parameter "weight_orig" (listed after the bias, where torch's
// re-registration puts it) and U and V are the buffers "weight_u" and
// "weight_v", so checkpoints carry them and a resumed run continues
// bit-identically.
type SpectralNorm struct {
	U, V       *tensor.Tensor // (rows) and (cols): weight_u, weight_v
	Dim        int            // 0, or 1 for ConvTranspose2d's (C,F,k,k)
	Iterations int            // power steps per training forward (1)
	Eps        float32        // normalize's floor on a norm (1e-12)
	Training   bool
}

// newSpectralNorm starts u and v as torch does: N(0, 1) draws, u then v,
// each scaled to unit length.
func newSpectralNorm(w *tensor.Tensor, dim int, rng *rand.Rand) *SpectralNorm {
	rows := w.Dim(dim)
	s := &SpectralNorm{U: tensor.Zeros(rows), V: tensor.Zeros(w.Numel() / rows),
		Dim: dim, Iterations: 1, Eps: 1e-12, Training: true}
	for _, t := range []*tensor.Tensor{s.U, s.V} {
		Normal(t, 0, 1, rng)
		n := 0.0
		for _, x := range t.Data {
			n += float64(x) * float64(x)
		}
		n = math.Max(math.Sqrt(n), float64(s.Eps))
		for i, x := range t.Data {
			t.Data[i] = float32(float64(x) / n)
		}
	}
	return s
}

// Apply returns the weight a forward pass uses: w / sigma, after the power
// steps in training mode.
func (s *SpectralNorm) Apply(w *tensor.Tensor) *tensor.Tensor {
	if s.Training {
		tensor.PowerIteration(w, s.U, s.V, s.Dim, s.Iterations, s.Eps)
	}
	return tensor.SpectralNormalize(w, s.U, s.V, s.Dim)
}

// Sigma is the current estimate u^T W v of w's largest singular value.
func (s *SpectralNorm) Sigma(w *tensor.Tensor) float64 {
	return tensor.SpectralSigma(w, s.U, s.V, s.Dim)
}

// spectral is embedded in each layer that can be normalised; SN is nil
// until EnableSpectralNorm.
type spectral struct {
	SN *SpectralNorm
}

func (s *spectral) enable(who string, w *tensor.Tensor, dim int, rng *rand.Rand) *SpectralNorm {
	if s.SN != nil {
		panic(fmt.Sprintf("nn: %s: spectral norm is already on", who))
	}
	s.SN = newSpectralNorm(w, dim, rng)
	return s.SN
}

// weight is the weight the layer's forward pass uses.
func (s *spectral) weight(w *tensor.Tensor) *tensor.Tensor {
	if s.SN == nil {
		return w
	}
	return s.SN.Apply(w)
}

// params names the layer's weight and bias as PyTorch does, with and
// without spectral norm.
func (s *spectral) params(w, b *tensor.Tensor) []Param {
	if s.SN == nil {
		return weightBias(w, b)
	}
	var ps []Param
	if b != nil {
		ps = append(ps, Param{"bias", b})
	}
	return append(ps, Param{"weight_orig", w})
}

// Buffers returns weight_u and weight_v when spectral norm is on.
func (s *spectral) Buffers() []Param {
	if s.SN == nil {
		return nil
	}
	return []Param{{"weight_u", s.SN.U}, {"weight_v", s.SN.V}}
}

// SetTraining switches the power iteration on (training) or off.
func (s *spectral) SetTraining(training bool) {
	if s.SN != nil {
		s.SN.Training = training
	}
}

// EnableSpectralNorm turns spectral norm on for l's weight, drawing u and v
// from rng, and returns its state.
func (l *Linear) EnableSpectralNorm(rng *rand.Rand) *SpectralNorm {
	return l.enable("Linear", l.Weight, 0, rng)
}

// EnableSpectralNorm turns spectral norm on for c's weight, drawing u and v
// from rng, and returns its state.
func (c *Conv2d) EnableSpectralNorm(rng *rand.Rand) *SpectralNorm {
	return c.enable("Conv2d", c.Weight, 0, rng)
}

// EnableSpectralNorm turns spectral norm on for c's weight, drawing u and v
// from rng, and returns its state. The rows are the output channels,
// dimension 1 of the (C,F,k,k) weight, as in torch.
func (c *ConvTranspose2d) EnableSpectralNorm(rng *rand.Rand) *SpectralNorm {
	return c.enable("ConvTranspose2d", c.Weight, 1, rng)
}

// EnableSpectralNorm turns spectral norm on for the table, drawing u and v
// from rng, and returns its state: a projection discriminator's class
// embedding is normalised so (SNGAN's SNEmbedID).
func (e *Embedding) EnableSpectralNorm(rng *rand.Rand) *SpectralNorm {
	return e.enable("Embedding", e.Weight, 0, rng)
}

// ApplySpectralNorm turns spectral norm on for every Linear, Conv2d and
// ConvTranspose2d in m, in Walk order, drawing each layer's u and v from
// rng; layers already normalised are left as they are. Call it before
// making the optimiser: the weights' names change to weight_orig.
//
// Embedding tables are not touched. An input table such as the
// conditional DCGAN's label plane would be scaled to spectral norm 1, about
// 1/30 of its values, drowning the label; a projection head's table should
// be normalised, by its own EnableSpectralNorm.
func ApplySpectralNorm(m Module, rng *rand.Rand) {
	Walk(m, func(_ string, m Module) {
		switch l := m.(type) {
		case *Linear:
			if l.SN == nil {
				l.EnableSpectralNorm(rng)
			}
		case *Conv2d:
			if l.SN == nil {
				l.EnableSpectralNorm(rng)
			}
		case *ConvTranspose2d:
			if l.SN == nil {
				l.EnableSpectralNorm(rng)
			}
		}
	})
}
