// Package onnxtest checks exported ONNX models without onnxruntime: Run
// evaluates a model with a plain, loop-by-loop interpreter of the operators
// gogan's exporters emit, and Check runs the official ONNX checker through
// Debian's /usr/bin/python3 (skipping when python3-onnx is missing).
//
// The interpreter is written from the ONNX operator specifications, not
// from train/tensor, so agreement between it and the Go forward pass tests
// the export (weight layouts, attributes, folding) and the engine at once.
// It accumulates in float64 and is slow: it is meant for tests on small
// batches. Unknown operators and unknown or unsupported attributes are
// errors rather than being ignored.
package onnxtest

import (
	"fmt"

	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/models/onnx/onnxpb"
)

// Value is a tensor flowing through the interpreter: float32 data in F or
// int64 data in I, laid out row-major in Shape.
type Value struct {
	Shape []int
	F     []float32
	I     []int64
	// omitted marks an optional node input left out (named "").
	omitted bool
}

// onnxAttr shortens the attribute type in tests.
type onnxAttr = onnxpb.AttributeProto

// Floats returns a float32 Value of the given shape.
func Floats(data []float32, shape ...int) Value { return Value{Shape: shape, F: data} }

// Ints returns an int64 Value of the given shape.
func Ints(data []int64, shape ...int) Value { return Value{Shape: shape, I: data} }

func (v Value) isFloat() bool { return v.F != nil || (v.I == nil && numel(v.Shape) == 0) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func (v Value) check(name string) error {
	n := numel(v.Shape)
	if (v.F == nil) == (v.I == nil) && n != 0 {
		return fmt.Errorf("onnxtest: value %q must hold exactly one of F and I", name)
	}
	if l := len(v.F) + len(v.I); l != n {
		return fmt.Errorf("onnxtest: value %q has %d elements for shape %v", name, l, v.Shape)
	}
	return nil
}

// Run evaluates m on feeds, one per graph input (by name), and returns the
// graph outputs by name. Shapes are checked against the graph's declared
// inputs and outputs; a symbolic dimension must take one size throughout.
func Run(m *onnxpb.ModelProto, feeds map[string]Value) (map[string]Value, error) {
	if err := checkVersions(m); err != nil {
		return nil, err
	}
	g := m.GetGraph()
	env := map[string]Value{}
	for _, t := range g.Initializer {
		v, err := decode(t)
		if err != nil {
			return nil, err
		}
		env[t.GetName()] = v
	}
	syms := map[string]int{}
	for _, in := range g.Input {
		v, ok := feeds[in.GetName()]
		if !ok {
			if _, isInit := env[in.GetName()]; isInit {
				continue
			}
			return nil, fmt.Errorf("onnxtest: no value fed for input %q", in.GetName())
		}
		if err := v.check(in.GetName()); err != nil {
			return nil, err
		}
		if err := matchType(in, v, syms); err != nil {
			return nil, err
		}
		env[in.GetName()] = v
	}
	if len(feeds) != len(g.Input) {
		return nil, fmt.Errorf("onnxtest: %d values fed for %d graph inputs", len(feeds), len(g.Input))
	}
	for _, n := range g.Node {
		if n.GetDomain() != "" {
			return nil, fmt.Errorf("onnxtest: node %s: domain %q is not supported", n.GetName(), n.GetDomain())
		}
		ins := make([]Value, len(n.Input))
		for i, name := range n.Input {
			if name == "" {
				ins[i] = Value{omitted: true}
				continue
			}
			v, ok := env[name]
			if !ok {
				return nil, fmt.Errorf("onnxtest: node %s (%s) reads undefined value %q", n.GetName(), n.GetOpType(), name)
			}
			ins[i] = v
		}
		if len(n.Output) != 1 {
			return nil, fmt.Errorf("onnxtest: node %s (%s) has %d outputs; only single-output nodes are supported", n.GetName(), n.GetOpType(), len(n.Output))
		}
		out, err := apply(n, ins)
		if err != nil {
			return nil, fmt.Errorf("onnxtest: node %s (%s): %w", n.GetName(), n.GetOpType(), err)
		}
		env[n.Output[0]] = out
	}
	res := map[string]Value{}
	for _, o := range g.Output {
		v, ok := env[o.GetName()]
		if !ok {
			return nil, fmt.Errorf("onnxtest: output %q is never produced", o.GetName())
		}
		if err := matchType(o, v, syms); err != nil {
			return nil, err
		}
		res[o.GetName()] = v
	}
	return res, nil
}

func checkVersions(m *onnxpb.ModelProto) error {
	if m.GetIrVersion() != onnx.IRVersion {
		return fmt.Errorf("onnxtest: IR version %d, the interpreter follows %d", m.GetIrVersion(), onnx.IRVersion)
	}
	for _, o := range m.OpsetImport {
		if o.GetDomain() == "" && o.GetVersion() == onnx.Opset {
			return nil
		}
	}
	return fmt.Errorf("onnxtest: the model does not import opset %d of the default domain", onnx.Opset)
}

func decode(t *onnxpb.TensorProto) (Value, error) {
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		shape[i] = int(d)
	}
	switch t.GetDataType() {
	case int32(onnx.Float32):
		f, err := onnx.Floats(t)
		return Value{Shape: shape, F: f}, err
	case int32(onnx.Int64):
		v, err := onnx.Int64s(t)
		return Value{Shape: shape, I: v}, err
	}
	return Value{}, fmt.Errorf("onnxtest: initializer %q: data type %d is not supported", t.GetName(), t.GetDataType())
}

// matchType checks v against a declared input or output, binding symbolic
// dimensions in syms.
func matchType(vi *onnxpb.ValueInfoProto, v Value, syms map[string]int) error {
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return fmt.Errorf("onnxtest: %q is not declared as a tensor", vi.GetName())
	}
	wantFloat := tt.GetElemType() == int32(onnx.Float32)
	if tt.GetElemType() != int32(onnx.Int64) && !wantFloat {
		return fmt.Errorf("onnxtest: %q has element type %d; only FLOAT and INT64 are supported", vi.GetName(), tt.GetElemType())
	}
	if wantFloat != v.isFloat() {
		return fmt.Errorf("onnxtest: %q: element type does not match the declaration", vi.GetName())
	}
	if tt.Shape == nil {
		return nil
	}
	dims := tt.Shape.Dim
	if len(dims) != len(v.Shape) {
		return fmt.Errorf("onnxtest: %q has shape %v, declared rank %d", vi.GetName(), v.Shape, len(dims))
	}
	for i, d := range dims {
		switch x := d.Value.(type) {
		case *onnxpb.TensorShapeProto_Dimension_DimValue:
			if int(x.DimValue) != v.Shape[i] {
				return fmt.Errorf("onnxtest: %q has shape %v; dimension %d is declared %d", vi.GetName(), v.Shape, i, x.DimValue)
			}
		case *onnxpb.TensorShapeProto_Dimension_DimParam:
			if s, ok := syms[x.DimParam]; ok && s != v.Shape[i] {
				return fmt.Errorf("onnxtest: %q has shape %v; symbolic dimension %s is already %d", vi.GetName(), v.Shape, x.DimParam, s)
			}
			syms[x.DimParam] = v.Shape[i]
		}
	}
	return nil
}

// attrs gives typed access to a node's attributes and remembers which were
// read, so that an attribute the interpreter does not know is an error.
type attrs struct {
	byName map[string]*onnxpb.AttributeProto
	used   map[string]bool
}

func newAttrs(n *onnxpb.NodeProto) attrs {
	a := attrs{byName: map[string]*onnxpb.AttributeProto{}, used: map[string]bool{}}
	for _, at := range n.Attribute {
		a.byName[at.GetName()] = at
	}
	return a
}

func (a attrs) get(name string, t onnxpb.AttributeProto_AttributeType) (*onnxpb.AttributeProto, error) {
	a.used[name] = true
	at, ok := a.byName[name]
	if !ok {
		return nil, nil
	}
	if at.GetType() != t {
		return nil, fmt.Errorf("attribute %s has type %v, want %v", name, at.GetType(), t)
	}
	return at, nil
}

func (a attrs) int(name string, def int64) (int64, error) {
	at, err := a.get(name, onnxpb.AttributeProto_INT)
	if at == nil || err != nil {
		return def, err
	}
	return at.GetI(), nil
}

func (a attrs) float(name string, def float32) (float32, error) {
	at, err := a.get(name, onnxpb.AttributeProto_FLOAT)
	if at == nil || err != nil {
		return def, err
	}
	return at.GetF(), nil
}

func (a attrs) str(name, def string) (string, error) {
	at, err := a.get(name, onnxpb.AttributeProto_STRING)
	if at == nil || err != nil {
		return def, err
	}
	return string(at.GetS()), nil
}

func (a attrs) ints(name string) ([]int64, error) {
	at, err := a.get(name, onnxpb.AttributeProto_INTS)
	if at == nil || err != nil {
		return nil, err
	}
	return at.Ints, nil
}

// unused reports the first attribute the op never asked for.
func (a attrs) unused() error {
	for name := range a.byName {
		if !a.used[name] {
			return fmt.Errorf("attribute %s is not supported", name)
		}
	}
	return nil
}
