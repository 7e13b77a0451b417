package tensor

import (
	"fmt"
	"math"
)

// Each loss returns a scalar. Forward passes sum in float64. Backward uses a
// fused loop when no graph is being recorded, and differentiable ops when
// one is (gradient penalties differentiate through the loss gradient).

// BCEWithLogits returns the mean over all elements of the binary cross
// entropy between sigmoid(logits) and target, in the stable form
// max(x,0) - x*t + log(1+exp(-|x|)). logits and target have the same shape.
func BCEWithLogits(logits, target *Tensor) *Tensor {
	mustSame("BCEWithLogits", logits, target)
	sum := 0.0
	for i, v := range logits.Data {
		x, t := float64(v), float64(target.Data[i])
		sum += max(x, 0) - x*t + math.Log1p(math.Exp(-math.Abs(x)))
	}
	inv := 1 / float32(max(1, logits.Numel()))
	out := Scalar(float32(sum * float64(inv)))
	return record(out, "BCEWithLogits", func(g *Tensor, need []bool) []*Tensor {
		var gx, gt *Tensor
		if Recording() {
			gs := Scale(g, inv)
			if need[0] {
				gx = Mul(Sub(Sigmoid(logits), target), gs)
			}
			if need[1] {
				gt = Neg(Mul(logits, gs))
			}
			return []*Tensor{gx, gt}
		}
		k := g.Data[0] * inv
		if need[0] {
			gx = zipWith(logits, target, func(x, t float32) float32 { return (sigmoid(x) - t) * k })
		}
		if need[1] {
			gt = unary(logits, func(x float32) float32 { return -x * k })
		}
		return []*Tensor{gx, gt}
	}, logits, target)
}

// SoftmaxCrossEntropy returns the mean over rows of -log softmax(logits)[label]
// for logits (N,K) and N labels in [0,K), using log-sum-exp for stability.
func SoftmaxCrossEntropy(logits *Tensor, labels []int) *Tensor {
	if logits.Rank() != 2 || logits.shape[0] != len(labels) {
		panic(fmt.Sprintf("tensor: SoftmaxCrossEntropy: logits %v for %d labels (needs (N,K))", logits.shape, len(labels)))
	}
	n, k := logits.shape[0], logits.shape[1]
	for i, l := range labels {
		if l < 0 || l >= k {
			panic(fmt.Sprintf("tensor: SoftmaxCrossEntropy: label %d at row %d out of range [0,%d)", l, i, k))
		}
	}
	// lse[i] = log(sum_j exp(x_ij)), kept for backward's softmax.
	lse := make([]float64, n)
	sum := 0.0
	for i := range n {
		row := logits.Data[i*k : (i+1)*k]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, float64(v))
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(float64(v) - mx)
		}
		lse[i] = mx + math.Log(s)
		sum += lse[i] - float64(row[labels[i]])
	}
	inv := 1 / float32(max(1, n))
	out := Scalar(float32(sum * float64(inv)))
	return record(out, "SoftmaxCrossEntropy", func(g *Tensor, need []bool) []*Tensor {
		onehot := Zeros(n, k)
		for i, l := range labels {
			onehot.Data[i*k+l] = 1
		}
		if Recording() {
			// Shifting by the saved log-sum-exp keeps exp in range; as a
			// constant it does not change softmax or its derivatives.
			shift := Zeros(n, 1)
			for i := range n {
				shift.Data[i] = float32(lse[i])
			}
			e := Exp(Sub(logits, shift))
			p := Div(e, SumTo(e, []int{n, 1}))
			return []*Tensor{Mul(Sub(p, onehot), Scale(g, inv))}
		}
		c := float64(g.Data[0] * inv)
		dx := Zeros(n, k)
		for i := range n {
			row, dst := logits.Data[i*k:(i+1)*k], dx.Data[i*k:(i+1)*k]
			for j, v := range row {
				dst[j] = float32((math.Exp(float64(v)-lse[i]) - float64(onehot.Data[i*k+j])) * c)
			}
		}
		return []*Tensor{dx}
	}, logits)
}

// MSE returns the mean over all elements of (a-b)^2; a and b have the same
// shape.
func MSE(a, b *Tensor) *Tensor {
	mustSame("MSE", a, b)
	sum := 0.0
	for i, v := range a.Data {
		d := float64(v) - float64(b.Data[i])
		sum += d * d
	}
	inv := 1 / float32(max(1, a.Numel()))
	out := Scalar(float32(sum * float64(inv)))
	return record(out, "MSE", func(g *Tensor, need []bool) []*Tensor {
		var ga *Tensor
		if Recording() {
			ga = Mul(Sub(a, b), Scale(g, 2*inv))
		} else {
			k := 2 * inv * g.Data[0]
			ga = zipWith(a, b, func(x, y float32) float32 { return (x - y) * k })
		}
		return pairGrads(ga, need)
	}, a, b)
}

// L1 returns the mean over all elements of |a-b|; a and b have the same
// shape. The gradient at a == b is taken as 0.
func L1(a, b *Tensor) *Tensor {
	mustSame("L1", a, b)
	sum := 0.0
	for i, v := range a.Data {
		sum += math.Abs(float64(v) - float64(b.Data[i]))
	}
	inv := 1 / float32(max(1, a.Numel()))
	out := Scalar(float32(sum * float64(inv)))
	return record(out, "L1", func(g *Tensor, need []bool) []*Tensor {
		sign := zipWith(a, b, func(x, y float32) float32 {
			switch {
			case x > y:
				return 1
			case x < y:
				return -1
			}
			return 0
		})
		var ga *Tensor
		if Recording() {
			// sign is piecewise constant, so this is exact to any order.
			ga = Mul(sign, Scale(g, inv))
		} else {
			k := inv * g.Data[0]
			for i := range sign.Data {
				sign.Data[i] *= k
			}
			ga = sign
		}
		return pairGrads(ga, need)
	}, a, b)
}

// pairGrads returns the gradients of a loss of (a-b): ga for a and -ga for b.
func pairGrads(ga *Tensor, need []bool) []*Tensor {
	var gb *Tensor
	if need[1] {
		gb = Neg(ga)
	}
	if !need[0] {
		ga = nil
	}
	return []*Tensor{ga, gb}
}

// GaussianKL returns KL(N(mu, exp(logvar)) || N(0, 1)) summed over D and
// averaged over N: mean_n -0.5*sum_j(1 + logvar - mu^2 - exp(logvar)), for
// mu and logvar (N,D).
func GaussianKL(mu, logvar *Tensor) *Tensor {
	mustSame("GaussianKL", mu, logvar)
	if mu.Rank() != 2 {
		panic(fmt.Sprintf("tensor: GaussianKL: mu and logvar %v must be (N,D)", mu.shape))
	}
	sum := 0.0
	for i, m := range mu.Data {
		lv := float64(logvar.Data[i])
		sum += 1 + lv - float64(m)*float64(m) - math.Exp(lv)
	}
	inv := 1 / float32(max(1, mu.shape[0]))
	out := Scalar(float32(-0.5 * sum * float64(inv)))
	return record(out, "GaussianKL", func(g *Tensor, need []bool) []*Tensor {
		var gmu, glv *Tensor
		if Recording() {
			gs := Scale(g, inv)
			if need[0] {
				gmu = Mul(mu, gs)
			}
			if need[1] {
				glv = Mul(AddScalar(Exp(logvar), -1), Scale(gs, 0.5))
			}
			return []*Tensor{gmu, glv}
		}
		k := g.Data[0] * inv
		if need[0] {
			gmu = unary(mu, func(m float32) float32 { return m * k })
		}
		if need[1] {
			glv = unary(logvar, func(lv float32) float32 {
				return float32(0.5 * (math.Exp(float64(lv)) - 1) * float64(k))
			})
		}
		return []*Tensor{gmu, glv}
	}, mu, logvar)
}
