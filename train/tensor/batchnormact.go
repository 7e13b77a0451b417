package tensor

import (
	"fmt"
	"math"
)

// BatchNormAct is LeakyRelu(BatchNorm(x, gamma, beta, runMean, runVar,
// training, momentum, eps), slope), Relu for slope 0, in one pass over x
// (N,C,H,W) or (N,C) instead of two, and without the normalised tensor in
// between. Forward and backward make the same float32 operations in the same
// order as the two ops do, so results are bit-identical to theirs.
//
// Backward needs the activation's mask, which it reads from the output:
// out > 0 exactly where the normalised value is > 0 (a positive value times
// 1 stays positive; anything else times slope >= 0 is not positive), so
// slope must not be negative.
func BatchNormAct(x, gamma, beta, runMean, runVar *Tensor, training bool, momentum, eps, slope float32) *Tensor {
	if !(slope >= 0) {
		panic(fmt.Sprintf("tensor: BatchNormAct: negative slope %v (the mask is read from the output)", slope))
	}
	st := bnPrepare("BatchNormAct", x, gamma, beta, runMean, runVar, training, momentum, eps)
	out := Zeros(x.shape...)
	bnActForward(out.Data, x.Data, st, dataOrNil(gamma), dataOrNil(beta), slope)
	return record(out, "BatchNormAct", func(g *Tensor, need []bool) []*Tensor {
		if Recording() {
			// The mask is piecewise constant, as in LeakyRelu's backward.
			mask := Zeros(out.shape...)
			parallelFor(len(out.Data), 1<<15, func(lo, hi int) {
				leakyMask(mask.Data[lo:hi], out.Data[lo:hi], slope)
			})
			return bnBackwardRecorded(Mul(g, mask), x, gamma, need, st, training, eps)
		}
		return bnBackwardFused(g, x, gamma, need, st, training, &bnAct{out: out.Data, slope: slope})
	}, x, gamma, beta)
}

// bnAct is the rectifier after a BatchNorm: its output, (N,C,S) as x, and
// its negative slope.
type bnAct struct {
	out   []float32
	slope float32
}

// bnActForward computes y = leaky((x - mean) * invstd * gamma + beta) for x,
// y (N,C,S) with mean, invstd, gamma, beta (C); gamma and beta may be nil.
// The rectifier picks its factor without a branch, as leakyMul does.
func bnActForward(y, x []float32, st *bnSaved, gamma, beta []float32, slope float32) {
	n, c, s := st.n, st.c, st.s
	one, sl := math.Float32bits(1), math.Float32bits(slope)
	parallelFor(c, bnChunk(n, s), func(lo, hi int) {
		for ni := 0; ni < n; ni++ {
			for ci := lo; ci < hi; ci++ {
				mu, k, b := st.affine(ci, gamma, beta)
				off := (ni*c + ci) * s
				dst := y[off : off+s]
				for i, v := range x[off : off+s] {
					a := (v-mu)*k + b
					f := sl
					if a > 0 {
						f = one
					}
					dst[i] = a * math.Float32frombits(f)
				}
			}
		}
	})
}
