package infer

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// latentStream is the PCG stream every latent is drawn from; the seed picks
// the state. Changing it changes every image a seed makes.
const latentStream = 0x676f67616e5f7a31 // "gogan_z1"

// MinTruncation is the smallest truncation threshold accepted: below it,
// redrawing would take more than ~25 draws per entry on average.
const MinTruncation = 0.05

// CheckTruncation reports whether t is a usable truncation threshold:
// 0 (off) or at least MinTruncation.
func CheckTruncation(t float64) error {
	if t == 0 || (t >= MinTruncation && !math.IsInf(t, 1)) {
		return nil
	}
	return fmt.Errorf("infer: truncation %g: want 0 (off) or a threshold of at least %g (e.g. 0.5-1)", t, MinTruncation)
}

// Latent returns the latent vector for seed: zdim standard normal draws
// from a PCG generator seeded with (seed, a fixed stream), so the same seed
// gives the same vector whatever else is generated alongside it.
//
// With truncation T > 0 (the "truncation trick"), an entry with |z| > T is
// replaced by the stream's next draw until one falls inside [-T, T]: the
// entries then follow a normal distribution truncated to [-T, T]. Smaller T
// trades variety for typical-looking images. The first entries of a
// truncated and an untruncated latent of one seed agree up to the first
// redraw. T must pass CheckTruncation.
func Latent(seed uint64, zdim int, truncation float64) []float32 {
	z := make([]float32, zdim)
	LatentInto(z, seed, truncation)
	return z
}

// LatentInto writes Latent(seed, len(dst), truncation) into dst.
func LatentInto(dst []float32, seed uint64, truncation float64) {
	if err := CheckTruncation(truncation); err != nil {
		panic(err.Error())
	}
	r := rand.New(rand.NewPCG(seed, latentStream))
	for i := range dst {
		v := r.NormFloat64()
		for truncation > 0 && math.Abs(v) > truncation {
			v = r.NormFloat64()
		}
		dst[i] = float32(v)
	}
}

// Lerp returns (1-t)·a + t·b.
func Lerp(a, b []float32, t float64) []float32 {
	checkPair("Lerp", a, b)
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32((1-t)*float64(a[i]) + t*float64(b[i]))
	}
	return out
}

// Slerp interpolates along the great circle from a to b (spherical linear
// interpolation), which keeps intermediate latents at the norm Gaussian
// latents have, where Lerp passes through lower-norm, atypical points. Nearly
// parallel vectors fall back to Lerp.
func Slerp(a, b []float32, t float64) []float32 {
	checkPair("Slerp", a, b)
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return Lerp(a, b, t)
	}
	omega := math.Acos(max(-1, min(1, dot/math.Sqrt(na*nb))))
	so := math.Sin(omega)
	if so < 1e-6 {
		return Lerp(a, b, t)
	}
	wa, wb := math.Sin((1-t)*omega)/so, math.Sin(t*omega)/so
	out := make([]float32, len(a))
	for i := range a {
		out[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
	}
	return out
}

func checkPair(op string, a, b []float32) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("infer: %s: latents of length %d and %d", op, len(a), len(b)))
	}
}
