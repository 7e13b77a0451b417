package tensor

import "fmt"

// Embedding gathers rows of weight (V,D) at idx into a (len(idx),D) tensor.
// Its backward scatter-adds the output gradient into the rows, in idx order
// so that repeated indices sum the same way every run.
func Embedding(weight *Tensor, idx []int) *Tensor {
	if weight.Rank() != 2 {
		panic(fmt.Sprintf("tensor: Embedding: weight %v must be (V,D)", weight.shape))
	}
	v, d := weight.shape[0], weight.shape[1]
	for i, j := range idx {
		if j < 0 || j >= v {
			panic(fmt.Sprintf("tensor: Embedding: index %d at position %d out of range [0,%d) for weight %v", j, i, v, weight.shape))
		}
	}
	out := Zeros(len(idx), d)
	for i, j := range idx {
		copy(out.Data[i*d:(i+1)*d], weight.Data[j*d:(j+1)*d])
	}
	return record(out, "Embedding", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{embeddingScatter(g, idx, v)}
	}, weight)
}

// embeddingScatter adds row i of g (len(idx),D) into row idx[i] of a zero
// (V,D) tensor; the adjoint of Embedding, whose own gradient is a gather.
func embeddingScatter(g *Tensor, idx []int, v int) *Tensor {
	d := g.shape[1]
	out := Zeros(v, d)
	for i, j := range idx {
		axpy(out.Data[j*d:(j+1)*d], g.Data[i*d:(i+1)*d])
	}
	return record(out, "EmbeddingScatter", func(h *Tensor, need []bool) []*Tensor {
		return []*Tensor{Embedding(h, idx)}
	}, g)
}
