package tensor

import "fmt"

// Reshape returns a tensor with a's data and a new shape; one dimension may
// be -1 and is inferred. The data is shared, not copied.
func Reshape(a *Tensor, shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		if d == -1 {
			if infer >= 0 {
				panic(fmt.Sprintf("tensor: Reshape %v to %v: more than one -1", a.shape, shape))
			}
			infer = i
			continue
		}
		known *= d
	}
	if infer >= 0 && known > 0 {
		shape[infer] = len(a.Data) / known
	}
	if numel(shape) != len(a.Data) {
		panic(fmt.Sprintf("tensor: Reshape: %v (%d values) to %v", a.shape, len(a.Data), shape))
	}
	out := &Tensor{shape: shape, Data: a.Data}
	return record(out, "Reshape", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{Reshape(g, a.shape...)}
	}, a)
}

// Flatten reshapes (N, ...) to (N, rest).
func Flatten(a *Tensor) *Tensor { return Reshape(a, a.shape[0], -1) }

// Concat joins tensors along axis; all other dimensions must match.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor: Concat of nothing")
	}
	r := len(ts[0].shape)
	if axis < 0 {
		axis += r
	}
	shape := append([]int(nil), ts[0].shape...)
	shape[axis] = 0
	for _, t := range ts {
		if len(t.shape) != r {
			panic(fmt.Sprintf("tensor: Concat: shapes %v and %v differ in rank", ts[0].shape, t.shape))
		}
		for i := range t.shape {
			if i != axis && t.shape[i] != ts[0].shape[i] {
				panic(fmt.Sprintf("tensor: Concat along %d: shapes %v and %v", axis, ts[0].shape, t.shape))
			}
		}
		shape[axis] += t.shape[axis]
	}
	outer := numel(shape[:axis])
	inner := numel(shape[axis+1:])
	out := Zeros(shape...)
	row := shape[axis] * inner
	off := 0
	for _, t := range ts {
		w := t.shape[axis] * inner
		for o := 0; o < outer; o++ {
			copy(out.Data[o*row+off:o*row+off+w], t.Data[o*w:(o+1)*w])
		}
		off += w
	}
	return record(out, "Concat", func(g *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, len(ts))
		start := 0
		for i, t := range ts {
			if need[i] {
				gs[i] = Narrow(g, axis, start, t.shape[axis])
			}
			start += t.shape[axis]
		}
		return gs
	}, ts...)
}

// Narrow returns the slice [start, start+length) of a along axis (a copy).
func Narrow(a *Tensor, axis, start, length int) *Tensor {
	if axis < 0 {
		axis += len(a.shape)
	}
	if start < 0 || length < 0 || start+length > a.shape[axis] {
		panic(fmt.Sprintf("tensor: Narrow [%d,%d) of axis %d of %v", start, start+length, axis, a.shape))
	}
	shape := append([]int(nil), a.shape...)
	shape[axis] = length
	outer, inner := numel(a.shape[:axis]), numel(a.shape[axis+1:])
	out := Zeros(shape...)
	for o := 0; o < outer; o++ {
		copy(out.Data[o*length*inner:(o+1)*length*inner], a.Data[(o*a.shape[axis]+start)*inner:])
	}
	return record(out, "Narrow", func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{padAxis(g, axis, start, a.shape[axis])}
	}, a)
}

// padAxis places g at [start, start+len) of a zero tensor whose axis has size
// full; the adjoint of Narrow.
func padAxis(g *Tensor, axis, start, full int) *Tensor {
	shape := append([]int(nil), g.shape...)
	length := shape[axis]
	shape[axis] = full
	outer, inner := numel(g.shape[:axis]), numel(g.shape[axis+1:])
	out := Zeros(shape...)
	for o := 0; o < outer; o++ {
		copy(out.Data[(o*full+start)*inner:], g.Data[o*length*inner:(o+1)*length*inner])
	}
	return record(out, "Pad", func(h *Tensor, need []bool) []*Tensor {
		return []*Tensor{Narrow(h, axis, start, length)}
	}, g)
}
