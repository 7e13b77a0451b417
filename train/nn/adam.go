package nn

import (
	"fmt"
	"math"
	"sync"

	"github.com/gogan/gan/train/tensor"
)

// Adam is torch.optim.Adam (amsgrad off, maximize off) over a fixed list of
// named parameters.
//
// Hyperparameters are float64, like the Python floats PyTorch takes, and
// derived coefficients (1-beta1, lr/(1-beta1^t), sqrt(1-beta2^t)) are
// formed in float64 and rounded once to float32, as PyTorch does. The
// per-element update is float32 with every operation rounded explicitly (Go
// may not fuse it into FMAs), in PyTorch's order:
//
//	g  = grad + weight_decay*param          (L2 decay, not AdamW)
//	m  = beta1*m + (1-beta1)*g
//	v  = beta2*v + (1-beta2)*g*g
//	p += (-lr/(1-beta1^t))*m / (sqrt(v)/sqrt(1-beta2^t) + eps)
//
// so a step is bit-for-bit repeatable on every platform and thread count.
// As in PyTorch each parameter keeps its own step count t, and a parameter
// whose Grad is nil is skipped, its state untouched.
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64

	params []Param
	slots  []adamSlot
	jobs   []adamJob // Step's list, kept to reuse its memory
}

type adamSlot struct {
	step int64
	m, v []float32 // exp_avg, exp_avg_sq
}

// NewAdam returns an Adam optimiser for params (usually model.Params()).
// Names must be unique: they key the saved state.
func NewAdam(params []Param, lr, beta1, beta2, eps, weightDecay float64) *Adam {
	seen := map[string]bool{}
	seenT := map[*tensor.Tensor]bool{}
	for _, p := range params {
		if seen[p.Name] || seenT[p.T] {
			panic(fmt.Sprintf("nn: NewAdam: parameter %q given twice", p.Name))
		}
		seen[p.Name], seenT[p.T] = true, true
	}
	o := &Adam{LR: lr, Beta1: beta1, Beta2: beta2, Eps: eps, WeightDecay: weightDecay,
		params: append([]Param(nil), params...), slots: make([]adamSlot, len(params))}
	for i, p := range params {
		o.slots[i] = adamSlot{m: make([]float32, p.T.Numel()), v: make([]float32, p.T.Numel())}
	}
	return o
}

// Params returns the parameters the optimiser updates.
func (o *Adam) Params() []Param { return o.params }

// ZeroGrad drops every parameter's gradient (sets it to nil).
func (o *Adam) ZeroGrad() {
	for _, p := range o.params {
		p.T.ZeroGrad()
	}
}

// adamCoef holds one step's float32 coefficients.
type adamCoef struct {
	b1, omb1, b2, omb2, negStep, bc2Sqrt, eps, wd float32
}

func (o *Adam) coef(step int64) adamCoef {
	t := float64(step)
	bc1 := 1 - math.Pow(o.Beta1, t)
	bc2 := 1 - math.Pow(o.Beta2, t)
	return adamCoef{
		b1: float32(o.Beta1), omb1: float32(1 - o.Beta1),
		b2: float32(o.Beta2), omb2: float32(1 - o.Beta2),
		negStep: float32(-(o.LR / bc1)), bc2Sqrt: float32(math.Sqrt(bc2)),
		eps: float32(o.Eps), wd: float32(o.WeightDecay),
	}
}

// adamJob is one parameter's update in a step: its values, gradient,
// moments and coefficients.
type adamJob struct {
	p, g, m, v []float32
	c          adamCoef
}

// Step applies one update to every parameter that has a gradient. The
// updates are elementwise, so all parameters' elements are split over the
// threads as one range: a model's many small tensors (biases, BatchNorm)
// then share the cores instead of running one after another.
func (o *Adam) Step() {
	tensor.NoGrad(func() {
		jobs := o.jobs[:0]
		total := 0
		for i, p := range o.params {
			g := p.T.Grad
			if g == nil {
				continue
			}
			if !tensor.SameShape(g.Shape(), p.T.Shape()) {
				panic(fmt.Sprintf("nn: Adam: %q has shape %v but its gradient %v", p.Name, p.T.Shape(), g.Shape()))
			}
			s := &o.slots[i]
			s.step++
			jobs = append(jobs, adamJob{p: p.T.Data, g: g.Data, m: s.m, v: s.v, c: o.coef(s.step)})
			total += len(p.T.Data)
		}
		o.jobs = jobs
		adamSplit(total, func(lo, hi int) {
			// Elements [lo,hi) of the parameters laid end to end.
			base := 0
			for j := range jobs {
				b := &jobs[j]
				n := len(b.p)
				if a, e := max(lo-base, 0), min(hi-base, n); a < e {
					adamUpdate(b.p[a:e], b.g[a:e], b.m[a:e], b.v[a:e], &b.c)
				}
				base += n
				if base >= hi {
					break
				}
			}
		})
		clear(o.jobs) // drop the references to this step's gradients
	})
}

// adamUpdate updates p, m and v in place from gradient g (all one length).
// The explicit float32 conversions fix the rounding of every operation.
func adamUpdate(p, g, m, v []float32, c *adamCoef) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		if c.wd != 0 {
			gi = gi + float32(c.wd*p[i])
		}
		mi := float32(c.b1*m[i]) + float32(c.omb1*gi)
		vi := float32(c.b2*v[i]) + float32(float32(c.omb2*gi)*gi)
		denom := float32(float32(math.Sqrt(float64(vi)))/c.bc2Sqrt) + c.eps
		p[i] = p[i] + float32(float32(c.negStep*mi)/denom)
		m[i], v[i] = mi, vi
	}
}

// adamSplit runs f over [0,n) in contiguous chunks on up to
// tensor.Threads() goroutines. The update is elementwise, so the split does
// not change any result.
func adamSplit(n int, f func(lo, hi int)) {
	const minChunk = 1 << 15
	parts := min(tensor.Threads(), (n+minChunk-1)/minChunk)
	if parts <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(k*n/parts, (k+1)*n/parts)
		}()
	}
	wg.Wait()
}
