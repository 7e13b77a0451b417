package tensor

import "fmt"

// MatMul returns op(a)*op(b) for 2-D tensors, where op transposes when the
// flag is set: op(a) is (m,k), op(b) is (k,n), the result (m,n).
func MatMul(a, b *Tensor, transA, transB bool) *Tensor {
	if a.Rank() != 2 || b.Rank() != 2 {
		panic(fmt.Sprintf("tensor: MatMul needs 2-D tensors, got %v and %v", a.shape, b.shape))
	}
	m, k := a.shape[0], a.shape[1]
	if transA {
		m, k = k, m
	}
	k2, n := b.shape[0], b.shape[1]
	if transB {
		k2, n = n, k2
	}
	if k != k2 {
		panic(fmt.Sprintf("tensor: MatMul: inner sizes differ: %v (trans %v) and %v (trans %v)", a.shape, transA, b.shape, transB))
	}
	out := Zeros(m, n)
	Sgemm(transA, transB, m, n, k, 1, a.Data, a.shape[1], b.Data, b.shape[1], 0, out.Data, n)
	return record(out, "MatMul", func(g *Tensor, need []bool) []*Tensor {
		var ga, gb *Tensor
		if need[0] {
			// C = A B: dA = G B^T; with A stored transposed, dA^T = B G^T.
			if transA {
				ga = MatMul(b, g, transB, true)
			} else {
				ga = MatMul(g, b, false, !transB)
			}
		}
		if need[1] {
			// dB = A^T G; with B stored transposed, dB^T = G^T A.
			if transB {
				gb = MatMul(g, a, true, transA)
			} else {
				gb = MatMul(a, g, !transA, false)
			}
		}
		return []*Tensor{ga, gb}
	}, a, b)
}
