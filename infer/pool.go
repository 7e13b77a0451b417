//go:build cgo

package infer

import (
	"slices"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// ioSet is one run's worth of onnxruntime tensors for a batch of n images:
// z (n, ZDim), label (n) for conditional models, image (n,C,H,W), and the
// run options used to cancel the run.
type ioSet struct {
	n       int
	z       *ort.Tensor[float32]
	label   *ort.Tensor[int64]
	out     *ort.Tensor[float32]
	run     *ort.RunOptions
	inputs  []ort.Value
	outputs []ort.Value
}

func newIOSet(n int, g *Generator) (s *ioSet, err error) {
	in := g.info
	s = &ioSet{n: n}
	defer func() {
		if err != nil {
			s.destroy()
		}
	}()
	if s.z, err = ort.NewEmptyTensor[float32](ort.NewShape(int64(n), int64(in.ZDim))); err != nil {
		return nil, err
	}
	s.inputs = []ort.Value{s.z}
	if g.sig.label {
		if s.label, err = ort.NewEmptyTensor[int64](ort.NewShape(int64(n))); err != nil {
			return nil, err
		}
		s.inputs = append(s.inputs, s.label)
	}
	if s.out, err = ort.NewEmptyTensor[float32](ort.NewShape(int64(n), int64(in.Channels), int64(in.Size), int64(in.Width))); err != nil {
		return nil, err
	}
	s.outputs = []ort.Value{s.out}
	if s.run, err = ort.NewRunOptions(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *ioSet) destroy() {
	if s.z != nil {
		s.z.Destroy()
	}
	if s.label != nil {
		s.label.Destroy()
	}
	if s.out != nil {
		s.out.Destroy()
	}
	if s.run != nil {
		s.run.Destroy()
	}
}

// tensorPool keeps idle ioSets by batch size. Most callers use one or two
// sizes (the batch and a last, smaller one), so only the most recently used
// few sizes are kept and at most a few sets of each, one per concurrent
// caller.
type tensorPool struct {
	mu     sync.Mutex
	free   map[int][]*ioSet
	recent []int // sizes, least recently used first
	closed bool
}

const (
	poolSizes   = 4
	poolPerSize = 8
)

func (p *tensorPool) get(n int, g *Generator) (*ioSet, error) {
	p.mu.Lock()
	if sets := p.free[n]; len(sets) > 0 {
		s := sets[len(sets)-1]
		p.free[n] = sets[:len(sets)-1]
		p.mu.Unlock()
		return s, nil
	}
	p.mu.Unlock()
	return newIOSet(n, g)
}

func (p *tensorPool) put(s *ioSet) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free[s.n]) >= poolPerSize {
		s.destroy()
		return
	}
	if p.free == nil {
		p.free = map[int][]*ioSet{}
	}
	p.free[s.n] = append(p.free[s.n], s)
	if i := slices.Index(p.recent, s.n); i >= 0 {
		p.recent = slices.Delete(p.recent, i, i+1)
	}
	p.recent = append(p.recent, s.n)
	if len(p.recent) > poolSizes {
		old := p.recent[0]
		p.recent = p.recent[1:]
		for _, s := range p.free[old] {
			s.destroy()
		}
		delete(p.free, old)
	}
}

// close destroys the idle sets; sets in use are destroyed when put back.
func (p *tensorPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, sets := range p.free {
		for _, s := range sets {
			s.destroy()
		}
	}
	p.free, p.recent = nil, nil
}
