package tensor

import (
	"fmt"
	"math/rand/v2"
)

// Dropout zeroes each element of x with probability p and scales the rest by
// 1/(1-p) (inverted dropout, training mode), so that eval is the identity.
// The mask is drawn from rng in element order; backward multiplies by the
// same mask. p must be in [0,1); p == 0 returns x itself and draws nothing.
func Dropout(x *Tensor, p float32, rng *rand.Rand) *Tensor {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("tensor: Dropout: p = %v outside [0,1), input %v", p, x.shape))
	}
	if p == 0 {
		return x
	}
	keep := 1 / (1 - p)
	mask := Zeros(x.shape...)
	for i := range mask.Data {
		if rng.Float32() >= p {
			mask.Data[i] = keep
		}
	}
	out := zipWith(x, mask, func(v, m float32) float32 { return v * m })
	return record(out, "Dropout", func(g *Tensor, need []bool) []*Tensor {
		if Recording() {
			return []*Tensor{Mul(g, mask)}
		}
		return []*Tensor{zipWith(g, mask, func(g, m float32) float32 { return g * m })}
	}, x)
}
