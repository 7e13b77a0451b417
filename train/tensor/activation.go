package tensor

import "math"

// unary applies f elementwise, in parallel for large tensors.
func unary(a *Tensor, f func(float32) float32) *Tensor {
	out := Zeros(a.shape...)
	parallelFor(len(a.Data), 1<<14, func(lo, hi int) {
		src, dst := a.Data[lo:hi], out.Data[lo:hi]
		for i, v := range src {
			dst[i] = f(v)
		}
	})
	return out
}

// zipWith computes dst[i] = f(x[i], y[i]) into a new tensor of x's shape.
func zipWith(x, y *Tensor, f func(a, b float32) float32) *Tensor {
	out := Zeros(x.shape...)
	parallelFor(len(x.Data), 1<<14, func(lo, hi int) {
		xs, ys, dst := x.Data[lo:hi], y.Data[lo:hi], out.Data[lo:hi]
		for i := range dst {
			dst[i] = f(xs[i], ys[i])
		}
	})
	return out
}

// Relu returns max(a, 0).
func Relu(a *Tensor) *Tensor { return LeakyRelu(a, 0) }

// LeakyRelu returns a where a > 0 and slope*a elsewhere.
func LeakyRelu(a *Tensor, slope float32) *Tensor {
	out := Zeros(a.shape...)
	parallelFor(len(a.Data), 1<<15, func(lo, hi int) {
		leakyMul(out.Data[lo:hi], a.Data[lo:hi], a.Data[lo:hi], slope)
	})
	name := "LeakyRelu"
	if slope == 0 {
		name = "Relu"
	}
	return record(out, name, func(g *Tensor, need []bool) []*Tensor {
		if !Recording() {
			gi := Zeros(a.shape...)
			parallelFor(len(a.Data), 1<<15, func(lo, hi int) {
				leakyMul(gi.Data[lo:hi], g.Data[lo:hi], a.Data[lo:hi], slope)
			})
			return []*Tensor{gi}
		}
		// The mask is piecewise constant in a, so g*mask is exact to any order.
		mask := Zeros(a.shape...)
		parallelFor(len(a.Data), 1<<15, func(lo, hi int) {
			leakyMask(mask.Data[lo:hi], a.Data[lo:hi], slope)
		})
		return []*Tensor{Mul(g, mask)}
	}, a)
}

// leakyMul sets dst[i] = v[i] where x[i] > 0 and slope*v[i] elsewhere: the
// LeakyReLU of x when v is x, its backward when v is the output gradient.
// Activations are about half negative in no pattern, so a branch per value
// mispredicts half the time (it cost over 10% of a DCGAN step); the factor
// is picked by a conditional move instead. v*1 is v and slope*v is what the
// branch computed, so results are bit-identical to leakyMulRef's.
func leakyMul(dst, v, x []float32, slope float32) {
	one, sl := math.Float32bits(1), math.Float32bits(slope)
	v, x = v[:len(dst)], x[:len(dst)]
	for i, xv := range x {
		f := sl
		if xv > 0 {
			f = one
		}
		dst[i] = v[i] * math.Float32frombits(f)
	}
}

// leakyMulRef is leakyMul with a branch per value: the reference for tests.
func leakyMulRef(dst, v, x []float32, slope float32) {
	for i, xv := range x[:len(dst)] {
		if xv > 0 {
			dst[i] = v[i]
		} else {
			dst[i] = slope * v[i]
		}
	}
}

// leakyMask sets dst[i] to 1 where x[i] > 0 and slope elsewhere.
func leakyMask(dst, x []float32, slope float32) {
	one, sl := math.Float32bits(1), math.Float32bits(slope)
	for i, xv := range x[:len(dst)] {
		f := sl
		if xv > 0 {
			f = one
		}
		dst[i] = math.Float32frombits(f)
	}
}

// Tanh returns tanh(a).
func Tanh(a *Tensor) *Tensor {
	var out *Tensor
	out = unary(a, func(v float32) float32 { return float32(math.Tanh(float64(v))) })
	return record(out, "Tanh", func(g *Tensor, need []bool) []*Tensor {
		if !Recording() {
			return []*Tensor{zipWith(g, out, func(g, y float32) float32 { return g * (1 - y*y) })}
		}
		return []*Tensor{Mul(g, AddScalar(Neg(Square(out)), 1))}
	}, a)
}

func sigmoid(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}

// Sigmoid returns 1/(1+exp(-a)).
func Sigmoid(a *Tensor) *Tensor {
	out := unary(a, sigmoid)
	return record(out, "Sigmoid", func(g *Tensor, need []bool) []*Tensor {
		if !Recording() {
			return []*Tensor{zipWith(g, out, func(g, y float32) float32 { return g * y * (1 - y) })}
		}
		return []*Tensor{Mul(g, Mul(out, AddScalar(Neg(out), 1)))}
	}, a)
}

// Exp returns e^a.
func Exp(a *Tensor) *Tensor {
	out := unary(a, func(v float32) float32 { return float32(math.Exp(float64(v))) })
	return record(out, "Exp", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Mul(g, out)}
	}, a)
}

// Log returns the natural logarithm of a.
func Log(a *Tensor) *Tensor {
	out := unary(a, func(v float32) float32 { return float32(math.Log(float64(v))) })
	return record(out, "Log", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Div(g, a)}
	}, a)
}

// Sqrt returns the square root of a.
func Sqrt(a *Tensor) *Tensor {
	out := unary(a, func(v float32) float32 { return float32(math.Sqrt(float64(v))) })
	return record(out, "Sqrt", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Div(Scale(g, 0.5), out)}
	}, a)
}
