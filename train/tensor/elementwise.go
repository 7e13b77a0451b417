package tensor

type binKind int

const (
	kAdd binKind = iota
	kSub
	kMul
	kDiv
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div"}

func binRun(k binKind, dst, a []float32, sa int, b []float32, sb int) {
	n := len(dst)
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:n], b[:n]
		switch k {
		case kAdd:
			for i := range dst {
				dst[i] = a[i] + b[i]
			}
		case kSub:
			for i := range dst {
				dst[i] = a[i] - b[i]
			}
		case kMul:
			for i := range dst {
				dst[i] = a[i] * b[i]
			}
		case kDiv:
			for i := range dst {
				dst[i] = a[i] / b[i]
			}
		}
	case sa == 1 && sb == 0:
		a, y := a[:n], b[0]
		switch k {
		case kAdd:
			for i := range dst {
				dst[i] = a[i] + y
			}
		case kSub:
			for i := range dst {
				dst[i] = a[i] - y
			}
		case kMul:
			for i := range dst {
				dst[i] = a[i] * y
			}
		case kDiv:
			for i := range dst {
				dst[i] = a[i] / y
			}
		}
	default:
		ia, ib := 0, 0
		for i := range dst {
			x, y := a[ia], b[ib]
			switch k {
			case kAdd:
				dst[i] = x + y
			case kSub:
				dst[i] = x - y
			case kMul:
				dst[i] = x * y
			case kDiv:
				dst[i] = x / y
			}
			ia += sa
			ib += sb
		}
	}
}

// binary computes a (op) b with NumPy broadcasting, without recording.
func binary(k binKind, a, b *Tensor) *Tensor {
	shape := broadcastShape(binNames[k], a.shape, b.shape)
	out := Zeros(shape...)
	if SameShape(a.shape, b.shape) {
		parallelFor(len(out.Data), 1<<15, func(lo, hi int) {
			binRun(k, out.Data[lo:hi], a.Data[lo:hi], 1, b.Data[lo:hi], 1)
		})
		return out
	}
	walk(shape, bstrides(a.shape, shape), bstrides(b.shape, shape), func(oa, ob, oo, n, sa, sb int) {
		binRun(k, out.Data[oo:oo+n], a.Data[oa:], sa, b.Data[ob:], sb)
	})
	return out
}

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor {
	return record(binary(kAdd, a, b), "Add", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{sumToIf(need[0], g, a.shape), sumToIf(need[1], g, b.shape)}
	}, a, b)
}

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor {
	return record(binary(kSub, a, b), "Sub", func(g *Tensor, need []bool) []*Tensor {
		var gb *Tensor
		if need[1] {
			gb = SumTo(Neg(g), b.shape)
		}
		return []*Tensor{sumToIf(need[0], g, a.shape), gb}
	}, a, b)
}

// Mul returns a * b elementwise with broadcasting.
func Mul(a, b *Tensor) *Tensor {
	return record(binary(kMul, a, b), "Mul", func(g *Tensor, need []bool) []*Tensor {
		var ga, gb *Tensor
		if need[0] {
			ga = SumTo(Mul(g, b), a.shape)
		}
		if need[1] {
			gb = SumTo(Mul(g, a), b.shape)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Div returns a / b elementwise with broadcasting.
func Div(a, b *Tensor) *Tensor {
	return record(binary(kDiv, a, b), "Div", func(g *Tensor, need []bool) []*Tensor {
		var ga, gb *Tensor
		if need[0] {
			ga = SumTo(Div(g, b), a.shape)
		}
		if need[1] {
			// d(a/b)/db = -a/b^2
			gb = SumTo(Neg(Div(Mul(g, a), Mul(b, b))), b.shape)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

func sumToIf(need bool, g *Tensor, shape []int) *Tensor {
	if !need {
		return nil
	}
	return SumTo(g, shape)
}

// Scale returns s * a.
func Scale(a *Tensor, s float32) *Tensor {
	out := Zeros(a.shape...)
	for i, v := range a.Data {
		out.Data[i] = s * v
	}
	return record(out, "Scale", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Scale(g, s)}
	}, a)
}

// Neg returns -a.
func Neg(a *Tensor) *Tensor { return Scale(a, -1) }

// AddScalar returns a + s.
func AddScalar(a *Tensor, s float32) *Tensor {
	out := Zeros(a.shape...)
	for i, v := range a.Data {
		out.Data[i] = v + s
	}
	return record(out, "AddScalar", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{g}
	}, a)
}

// Square returns a * a.
func Square(a *Tensor) *Tensor {
	out := Zeros(a.shape...)
	for i, v := range a.Data {
		out.Data[i] = v * v
	}
	return record(out, "Square", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Mul(g, Scale(a, 2))}
	}, a)
}
