package nn

import (
	"fmt"
	"strings"

	"github.com/gogan/gan/train/tensor"
)

// Param is a named tensor: a trainable parameter or a buffer. Names are
// PyTorch state_dict keys relative to the module they were asked from
// ("main.1.running_mean").
type Param struct {
	Name string
	T    *tensor.Tensor
}

// Module is a layer or a model.
type Module interface {
	// Forward maps a batch to a batch, recording on the autograd graph.
	Forward(x *tensor.Tensor) *tensor.Tensor
	// Params returns the trainable parameters of the module and of its
	// submodules, in PyTorch's named_parameters order.
	Params() []Param
}

// BufferHolder is a Module with state that is saved but not trained
// (BatchNorm's running_mean and running_var).
type BufferHolder interface {
	// Buffers returns the module's buffers and its submodules', in
	// PyTorch's named_buffers order.
	Buffers() []Param
}

// Parent is a Module made of named submodules. Composite modules get it by
// embedding Container, which also holds any tensors of the parent's own; a
// Parent implemented by hand contributes only its children's tensors.
type Parent interface {
	Children() []Child
}

// ModeSetter is a Module whose forward pass differs between training and
// evaluation (BatchNorm, Dropout). Use the SetTraining function to switch a
// whole tree.
type ModeSetter interface {
	SetTraining(training bool)
}

// Child is a named submodule.
type Child struct {
	Name   string
	Module Module
}

// ownState is implemented by Container: the tensors registered on a parent
// itself, as opposed to those of its children.
type ownState interface {
	ownParams() []Param
	ownBuffers() []Param
}

// Container holds a composite module's submodules, and any parameters and
// buffers of its own, in registration order, which is the order PyTorch's
// state_dict uses. Embed it in a model struct and register each field:
//
//	type Generator struct {
//		nn.Container
//		main *nn.Sequential
//	}
//	g.main = nn.Add(&g.Container, "main", nn.NewSequential(...))
//
// The model then has Params, Buffers and Children, and names such as
// "main.0.weight"; it supplies Forward itself.
type Container struct {
	params, buffers []Param
	children        []Child
}

// Add registers m on c under name and returns m, keeping its static type.
func Add[M Module](c *Container, name string, m M) M {
	c.Register(name, m)
	return m
}

// Register adds a named submodule. Names must be unique within c and must
// not contain dots (dots separate levels in state_dict keys).
func (c *Container) Register(name string, m Module) {
	c.checkName(name)
	c.children = append(c.children, Child{name, m})
}

// RegisterParam adds a trainable tensor owned by c itself and marks it as
// requiring gradients.
func (c *Container) RegisterParam(name string, t *tensor.Tensor) {
	c.checkName(name)
	t.SetRequiresGrad(true)
	c.params = append(c.params, Param{name, t})
}

// RegisterBuffer adds a saved, untrained tensor owned by c itself.
func (c *Container) RegisterBuffer(name string, t *tensor.Tensor) {
	c.checkName(name)
	c.buffers = append(c.buffers, Param{name, t})
}

func (c *Container) checkName(name string) {
	if name == "" || strings.Contains(name, ".") {
		panic(fmt.Sprintf("nn: Container: bad name %q (must be non-empty, without dots)", name))
	}
	for _, n := range c.names() {
		if n == name {
			panic(fmt.Sprintf("nn: Container: name %q registered twice", name))
		}
	}
}

func (c *Container) names() []string {
	var ns []string
	for _, p := range c.params {
		ns = append(ns, p.Name)
	}
	for _, p := range c.buffers {
		ns = append(ns, p.Name)
	}
	for _, ch := range c.children {
		ns = append(ns, ch.Name)
	}
	return ns
}

// Children returns the registered submodules in order.
func (c *Container) Children() []Child { return c.children }

// Params returns c's own parameters, then its children's, recursively.
func (c *Container) Params() []Param { return collect(nil, "", c, kindParams) }

// Buffers returns c's own buffers, then its children's, recursively.
func (c *Container) Buffers() []Param { return collect(nil, "", c, kindBuffers) }

func (c *Container) ownParams() []Param  { return c.params }
func (c *Container) ownBuffers() []Param { return c.buffers }

// Sequential applies its children in order; they are named "0", "1", ...
// as in torch.nn.Sequential.
type Sequential struct {
	Container
}

// NewSequential returns a Sequential of the given modules.
func NewSequential(ms ...Module) *Sequential {
	s := &Sequential{}
	for _, m := range ms {
		s.Append(m)
	}
	return s
}

// Append adds m as the next stage.
func (s *Sequential) Append(m Module) { s.Register(fmt.Sprint(len(s.children)), m) }

// Len is the number of stages.
func (s *Sequential) Len() int { return len(s.children) }

// At returns stage i.
func (s *Sequential) At(i int) Module { return s.children[i].Module }

// Forward runs x through every stage. A BatchNorm followed by a ReLU or
// LeakyReLU runs as one stage (tensor.BatchNormAct, bit-identical to the
// two and one pass over the data fewer each way).
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	for i := 0; i < len(s.children); i++ {
		m := s.children[i].Module
		if bn, ok := m.(*BatchNorm); ok && i+1 < len(s.children) {
			if slope, ok := rectifierSlope(s.children[i+1].Module); ok && bn.fusable(x) {
				x = bn.forwardAct(x, slope)
				i++
				continue
			}
		}
		x = m.Forward(x)
	}
	return x
}

type kind int

const (
	kindParams kind = iota
	kindBuffers
	kindState // params then buffers, per module
)

// collect appends m's tensors of the given kind with names prefixed, in
// PyTorch order: a module's own parameters, then its own buffers, then each
// child's in turn.
func collect(dst []Param, prefix string, m any, k kind) []Param {
	if p, ok := m.(Parent); ok {
		if o, ok := m.(ownState); ok {
			if k != kindBuffers {
				dst = appendPrefixed(dst, prefix, o.ownParams())
			}
			if k != kindParams {
				dst = appendPrefixed(dst, prefix, o.ownBuffers())
			}
		}
		for _, c := range p.Children() {
			dst = collect(dst, prefix+c.Name+".", c.Module, k)
		}
		return dst
	}
	if k != kindBuffers {
		dst = appendPrefixed(dst, prefix, m.(Module).Params())
	}
	if b, ok := m.(BufferHolder); ok && k != kindParams {
		dst = appendPrefixed(dst, prefix, b.Buffers())
	}
	return dst
}

func appendPrefixed(dst []Param, prefix string, ps []Param) []Param {
	for _, p := range ps {
		dst = append(dst, Param{prefix + p.Name, p.T})
	}
	return dst
}

// Buffers returns m's buffers (nil for a module without any).
func Buffers(m Module) []Param { return collect(nil, "", m, kindBuffers) }

// StateDict returns m's parameters and buffers in PyTorch state_dict order
// (num_batches_tracked is not kept). The tensors are m's own, not copies.
func StateDict(m Module) []Param { return collect(nil, "", m, kindState) }

// LoadStateDict copies ps into m's parameters and buffers by name. Every
// entry of StateDict(m) must appear exactly once in ps with the same shape,
// and ps must hold nothing else; nothing is copied unless all match.
func LoadStateDict(m Module, ps []Param) error {
	dst := StateDict(m)
	src := make(map[string]*tensor.Tensor, len(ps))
	for _, p := range ps {
		if _, dup := src[p.Name]; dup {
			return fmt.Errorf("nn: LoadStateDict: %q appears twice", p.Name)
		}
		src[p.Name] = p.T
	}
	want := make(map[string]bool, len(dst))
	for _, d := range dst {
		want[d.Name] = true
		s, ok := src[d.Name]
		if !ok {
			return fmt.Errorf("nn: LoadStateDict: missing %q (shape %v)", d.Name, d.T.Shape())
		}
		if !tensor.SameShape(s.Shape(), d.T.Shape()) {
			return fmt.Errorf("nn: LoadStateDict: %q has shape %v, module wants %v", d.Name, s.Shape(), d.T.Shape())
		}
	}
	for _, p := range ps {
		if !want[p.Name] {
			return fmt.Errorf("nn: LoadStateDict: unexpected %q: the module has no such tensor", p.Name)
		}
	}
	for _, d := range dst {
		copy(d.T.Data, src[d.Name].Data)
	}
	return nil
}

// Walk calls f for m and every submodule below it, parents before children
// (PyTorch's named_modules order); path is "" for m and dotted below it.
func Walk(m Module, f func(path string, m Module)) {
	walk("", m, f)
}

func walk(path string, m Module, f func(string, Module)) {
	f(path, m)
	p, ok := m.(Parent)
	if !ok {
		return
	}
	for _, c := range p.Children() {
		sub := c.Name
		if path != "" {
			sub = path + "." + c.Name
		}
		walk(sub, c.Module, f)
	}
}

// SetTraining switches m and all its submodules to training (true) or
// evaluation mode, like module.train() and module.eval().
func SetTraining(m Module, training bool) {
	Walk(m, func(_ string, m Module) {
		if s, ok := m.(ModeSetter); ok {
			s.SetTraining(training)
		}
	})
}

// CountParams returns the number of trainable scalars in m.
func CountParams(m Module) int {
	n := 0
	for _, p := range m.Params() {
		n += p.T.Numel()
	}
	return n
}
