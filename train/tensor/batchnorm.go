package tensor

import (
	"fmt"
	"math"
)

// BatchNorm normalises x per channel: y = (x - mean) / sqrt(var + eps) *
// gamma + beta. x is (N,C) or (N,C,H,W); gamma, beta, runMean and runVar are
// (C) or nil (gamma and beta nil for affine=false).
//
// In training mode the batch mean and biased variance over N (and H, W) are
// used, and runMean/runVar, when given, are updated in place as PyTorch does:
// run = (1-momentum)*run + momentum*stat, with the unbiased variance for
// runVar. In eval mode the running statistics are used and must be given.
//
// Gradients flow to x, gamma and beta. Without a recorded backward pass a
// fused per-channel kernel computes them; with one (createGraph) they are
// built from differentiable ops so that they can be differentiated again.
func BatchNorm(x, gamma, beta, runMean, runVar *Tensor, training bool, momentum, eps float32) *Tensor {
	st := bnPrepare("BatchNorm", x, gamma, beta, runMean, runVar, training, momentum, eps)
	out := Zeros(x.shape...)
	bnForward(out.Data, x.Data, st, dataOrNil(gamma), dataOrNil(beta))
	return record(out, "BatchNorm", func(g *Tensor, need []bool) []*Tensor {
		if Recording() {
			return bnBackwardRecorded(g, x, gamma, need, st, training, eps)
		}
		return bnBackwardFused(g, x, gamma, need, st, training, nil)
	}, x, gamma, beta)
}

// bnPrepare checks BatchNorm's shapes, takes the batch statistics (and
// folds them into the running ones) in training mode or the running ones
// in eval mode, and returns what forward and backward use.
func bnPrepare(op string, x, gamma, beta, runMean, runVar *Tensor, training bool, momentum, eps float32) *bnSaved {
	n, c, s := bnDims(x)
	for _, p := range []struct {
		name string
		t    *Tensor
	}{{"gamma", gamma}, {"beta", beta}, {"running mean", runMean}, {"running var", runVar}} {
		if p.t != nil && !SameShape(p.t.shape, []int{c}) {
			panic(fmt.Sprintf("tensor: %s: %s has shape %v for input %v (needs [%d])", op, p.name, p.t.shape, x.shape, c))
		}
	}
	m := n * s
	mean := make([]float64, c)
	vr := make([]float64, c)
	if training {
		if m < 2 {
			panic(fmt.Sprintf("tensor: %s: training needs more than one value per channel, input %v", op, x.shape))
		}
		bnStats(mean, vr, x.Data, n, c, s)
		bnUpdateRunning(runMean, runVar, mean, vr, m, momentum)
	} else {
		if runMean == nil || runVar == nil {
			panic(fmt.Sprintf("tensor: %s: eval mode needs running mean and var, input %v", op, x.shape))
		}
		for i := range mean {
			mean[i], vr[i] = float64(runMean.Data[i]), float64(runVar.Data[i])
		}
	}
	// The statistics are copied here: the running buffers may change before
	// backward runs.
	st := &bnSaved{n: n, c: c, s: s, mean: make([]float32, c), invstd: make([]float32, c)}
	for i := range mean {
		st.mean[i] = float32(mean[i])
		st.invstd[i] = float32(1 / math.Sqrt(vr[i]+float64(eps)))
	}
	return st
}

// bnBackwardRecorded is BatchNorm's backward as differentiable ops, for a
// backward pass that is itself recorded (double backward).
func bnBackwardRecorded(g, x, gamma *Tensor, need []bool, st *bnSaved, training bool, eps float32) []*Tensor {
	if training {
		return bnBackwardGraph(g, x, gamma, need, eps)
	}
	return bnEvalBackwardGraph(g, x, gamma, need, st)
}

// bnSaved is what BatchNorm's backward needs from the forward pass: the
// per-channel mean and 1/sqrt(var+eps) that normalised x, as (C).
type bnSaved struct {
	n, c, s      int
	mean, invstd []float32
}

// bnUpdateRunning folds the batch statistics into the running buffers in
// place; the variance is made unbiased first, as PyTorch does.
func bnUpdateRunning(runMean, runVar *Tensor, mean, vr []float64, m int, momentum float32) {
	mom := float64(momentum)
	if runMean != nil {
		for i, v := range mean {
			runMean.Data[i] = float32((1-mom)*float64(runMean.Data[i]) + mom*v)
		}
	}
	if runVar != nil {
		unbias := float64(m) / float64(m-1)
		for i, v := range vr {
			runVar.Data[i] = float32((1-mom)*float64(runVar.Data[i]) + mom*v*unbias)
		}
	}
}

func bnDims(x *Tensor) (n, c, s int) {
	switch x.Rank() {
	case 2:
		return x.shape[0], x.shape[1], 1
	case 4:
		return x.shape[0], x.shape[1], x.shape[2] * x.shape[3]
	}
	panic(fmt.Sprintf("tensor: BatchNorm: input %v must be (N,C) or (N,C,H,W)", x.shape))
}

// bnChannelShape is the shape that broadcasts a (C) vector over x:
// (1,C) or (1,C,1,1).
func bnChannelShape(x *Tensor) []int {
	cs := ones(x.Rank())
	cs[1] = x.shape[1]
	return cs
}

func dataOrNil(t *Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Data
}

// bnChunk is the minimum number of channels per goroutine, chosen so that a
// goroutine gets at least a few thousand elements.
func bnChunk(n, s int) int { return max(1, 4096/max(1, n*s)) }

// bnStats writes the per-channel mean and biased variance of x (N,C,S) into
// mean, vr (C). Sums are taken in float64 around the channel's first value,
// so that a large mean does not cancel the variance away.
func bnStats(mean, vr []float64, x []float32, n, c, s int) {
	parallelFor(c, bnChunk(n, s), func(lo, hi int) {
		sum := make([]float64, hi-lo)
		sq := make([]float64, hi-lo)
		for ni := 0; ni < n; ni++ {
			for ci := lo; ci < hi; ci++ {
				a, b := sumShifted(x[(ni*c+ci)*s:(ni*c+ci+1)*s], float64(x[ci*s]))
				sum[ci-lo] += a
				sq[ci-lo] += b
			}
		}
		m := float64(n * s)
		for ci := lo; ci < hi; ci++ {
			mu := sum[ci-lo] / m
			mean[ci] = float64(x[ci*s]) + mu
			vr[ci] = max(0, sq[ci-lo]/m-mu*mu)
		}
	})
}

// sumShifted returns sum(v-shift) and sum((v-shift)^2) over xs in float64.
// Four independent accumulators let the adds overlap instead of waiting on
// each other.
func sumShifted(xs []float32, shift float64) (sum, sq float64) {
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		v := xs[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(v[0])-shift, float64(v[1])-shift, float64(v[2])-shift, float64(v[3])-shift
		a0, a1, a2, a3 = a0+d0, a1+d1, a2+d2, a3+d3
		b0, b1, b2, b3 = b0+d0*d0, b1+d1*d1, b2+d2*d2, b3+d3*d3
	}
	for ; i < len(xs); i++ {
		d := float64(xs[i]) - shift
		a0 += d
		b0 += d * d
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

// sumGradDot returns sum(g) and sum(g*(x-mu)) over gs, xs in float64, with
// four accumulators as in sumShifted.
func sumGradDot(gs, xs []float32, mu float32) (sum, dot float64) {
	xs = xs[:len(gs)]
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(gs); i += 4 {
		g, v := gs[i:i+4:i+4], xs[i:i+4:i+4]
		a0, a1, a2, a3 = a0+float64(g[0]), a1+float64(g[1]), a2+float64(g[2]), a3+float64(g[3])
		b0 += float64(g[0] * (v[0] - mu))
		b1 += float64(g[1] * (v[1] - mu))
		b2 += float64(g[2] * (v[2] - mu))
		b3 += float64(g[3] * (v[3] - mu))
	}
	for ; i < len(gs); i++ {
		a0 += float64(gs[i])
		b0 += float64(gs[i] * (xs[i] - mu))
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

// affine is channel ci's normalisation as y = (x - mu) * k + b: its mean,
// invstd times gamma (when given) and beta (0 when not given). The forward
// passes with and without a rectifier share it.
func (st *bnSaved) affine(ci int, gamma, beta []float32) (mu, k, b float32) {
	mu, k = st.mean[ci], st.invstd[ci]
	if gamma != nil {
		k *= gamma[ci]
	}
	if beta != nil {
		b = beta[ci]
	}
	return mu, k, b
}

// bnForward computes y = (x - mean) * invstd * gamma + beta for x, y (N,C,S)
// with mean, invstd, gamma, beta (C); gamma and beta may be nil.
func bnForward(y, x []float32, st *bnSaved, gamma, beta []float32) {
	n, c, s := st.n, st.c, st.s
	parallelFor(c, bnChunk(n, s), func(lo, hi int) {
		for ni := 0; ni < n; ni++ {
			for ci := lo; ci < hi; ci++ {
				mu, k, b := st.affine(ci, gamma, beta)
				off := (ni*c + ci) * s
				dst := y[off : off+s]
				for i, v := range x[off : off+s] {
					dst[i] = (v-mu)*k + b
				}
			}
		}
	})
}

// bnBackwardFused computes the gradients of BatchNorm for x, gamma, beta in
// one pass for the per-channel sums and one for dx. With batch statistics,
// dx = gamma*invstd * (g - mean(g) - xhat*mean(g*xhat)); with running
// statistics (eval) they are constants and dx = gamma*invstd*g. With act,
// g is the gradient at the activation's output (see BatchNormAct), taken
// back through the activation plane by plane, while the plane is in cache.
func bnBackwardFused(g, x, gamma *Tensor, need []bool, st *bnSaved, training bool, act *bnAct) []*Tensor {
	n, c, s := st.n, st.c, st.s
	var dx, dgamma, dbeta *Tensor
	if need[0] {
		dx = Zeros(x.shape...)
	}
	if need[1] {
		dgamma = Zeros(c)
	}
	if need[2] {
		dbeta = Zeros(c)
	}
	gd := g.Data
	if act != nil {
		// The activation's gradient goes where dx will be, which the dx
		// pass then overwrites in place.
		if dx != nil {
			gd = dx.Data
		} else {
			gd = Zeros(x.shape...).Data
		}
	}
	gam := dataOrNil(gamma)
	m := float64(n * s)
	sums := need[1] || need[2] || (need[0] && training)
	parallelFor(c, bnChunk(n, s), func(lo, hi int) {
		// sumG[ci] = sum(g), sumGX[ci] = sum(g*(x-mean)) over the channel.
		sumG := make([]float64, hi-lo)
		sumGX := make([]float64, hi-lo)
		if sums {
			for ni := 0; ni < n; ni++ {
				for ci := lo; ci < hi; ci++ {
					off := (ni*c + ci) * s
					if act != nil {
						leakyMul(gd[off:off+s], g.Data[off:off+s], act.out[off:off+s], act.slope)
					}
					a, b := sumGradDot(gd[off:off+s], x.Data[off:off+s], st.mean[ci])
					sumG[ci-lo] += a
					sumGX[ci-lo] += b
				}
			}
		}
		for ci := lo; ci < hi; ci++ {
			if dgamma != nil {
				dgamma.Data[ci] = float32(sumGX[ci-lo] * float64(st.invstd[ci]))
			}
			if dbeta != nil {
				dbeta.Data[ci] = float32(sumG[ci-lo])
			}
		}
		if dx == nil {
			return
		}
		for ni := 0; ni < n; ni++ {
			for ci := lo; ci < hi; ci++ {
				inv := float64(st.invstd[ci])
				k := inv
				if gam != nil {
					k *= float64(gam[ci])
				}
				var a, b float32 // dx = k*(g - a - (x-mean)*b)
				if training {
					a = float32(sumG[ci-lo] / m)
					b = float32(sumGX[ci-lo] * inv * inv / m)
				}
				kf, mu := float32(k), st.mean[ci]
				off := (ni*c + ci) * s
				gs, dst := gd[off:off+s], dx.Data[off:off+s]
				if act != nil && !sums {
					leakyMul(gs, g.Data[off:off+s], act.out[off:off+s], act.slope)
				}
				for i, v := range x.Data[off : off+s] {
					dst[i] = kf * (gs[i] - a - (v-mu)*b)
				}
			}
		}
	})
	return []*Tensor{dx, dgamma, dbeta}
}

// bnBackwardGraph is the training-mode backward built from differentiable
// ops, recomputing the batch statistics from x so that the result depends on
// x, gamma and g through the graph (double backward).
func bnBackwardGraph(g, x, gamma *Tensor, need []bool, eps float32) []*Tensor {
	cs := bnChannelShape(x)
	c := x.shape[1]
	mean := MeanTo(x, cs)
	xc := Sub(x, mean)
	invstd := Div(Full(1, cs...), Sqrt(AddScalar(MeanTo(Square(xc), cs), eps)))
	xhat := Mul(xc, invstd)
	var dx, dgamma, dbeta *Tensor
	if need[0] {
		dxhat := g
		if gamma != nil {
			dxhat = Mul(g, Reshape(gamma, cs...))
		}
		proj := Mul(xhat, MeanTo(Mul(dxhat, xhat), cs))
		dx = Mul(Sub(Sub(dxhat, MeanTo(dxhat, cs)), proj), invstd)
	}
	if need[1] {
		dgamma = Reshape(SumTo(Mul(g, xhat), cs), c)
	}
	if need[2] {
		dbeta = Reshape(SumTo(g, cs), c)
	}
	return []*Tensor{dx, dgamma, dbeta}
}

// bnEvalBackwardGraph is the eval-mode backward built from differentiable
// ops; the running statistics are constants.
func bnEvalBackwardGraph(g, x, gamma *Tensor, need []bool, st *bnSaved) []*Tensor {
	cs := bnChannelShape(x)
	c := x.shape[1]
	invstd := New(append([]float32(nil), st.invstd...), cs...)
	var dx, dgamma, dbeta *Tensor
	if need[0] {
		k := invstd
		if gamma != nil {
			k = Mul(Reshape(gamma, cs...), invstd)
		}
		dx = Mul(g, k)
	}
	if need[1] {
		xhat := Mul(Sub(x, New(append([]float32(nil), st.mean...), cs...)), invstd)
		dgamma = Reshape(SumTo(Mul(g, xhat), cs), c)
	}
	if need[2] {
		dbeta = Reshape(SumTo(g, cs), c)
	}
	return []*Tensor{dx, dgamma, dbeta}
}
