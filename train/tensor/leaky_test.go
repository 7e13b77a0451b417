package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLeakyMulMatchesBranch checks the branch-free LeakyReLU kernel against
// the plain branch, bit for bit, on values that include the signed zeros,
// infinities and NaNs, as forward (v is x) and backward (v another tensor).
func TestLeakyMulMatchesBranch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), -float32(math.NaN()), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32}
	x := make([]float32, 1000)
	v := make([]float32, len(x))
	for i := range x {
		x[i] = float32(rng.NormFloat64())
		v[i] = float32(rng.NormFloat64())
		if i < len(special)*len(special) {
			x[i], v[i] = special[i%len(special)], special[i/len(special)]
		}
	}
	for _, slope := range []float32{0, 0.2, 1, -0.5} {
		for _, tc := range []struct {
			name string
			v    []float32
		}{{"forward", x}, {"backward", v}} {
			got, want := make([]float32, len(x)), make([]float32, len(x))
			leakyMul(got, tc.v, x, slope)
			leakyMulRef(want, tc.v, x, slope)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("slope %v %s: x=%v v=%v: got %v (%#x), branch gives %v (%#x)", slope, tc.name,
						x[i], tc.v[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}
	}
}

// BenchmarkLeakyMul compares the branch-free kernel with the plain branch on
// one D layer's activations (64x64x14x14, about half negative).
func BenchmarkLeakyMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randSlice(rng, 64*64*14*14)
	dst := make([]float32, len(x))
	for _, k := range []struct {
		name string
		fn   func(dst, v, x []float32, slope float32)
	}{{"branch", leakyMulRef}, {"cmov", leakyMul}} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				k.fn(dst, x, x, 0.2)
			}
			b.SetBytes(int64(8 * len(x)))
		})
	}
}
