package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/gogan/gan/models/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// The format versions every model written here declares: IR 8 with opset
// 17 of the default domain (ONNX 1.12), the newest pair Debian's checker
// and onnxruntime 1.24 both know.
const (
	IRVersion = 8
	Opset     = 17
)

// Element types of graph inputs, outputs and initializers.
const (
	Float32 = onnxpb.TensorProto_FLOAT
	Int64   = onnxpb.TensorProto_INT64
)

// Dim is one dimension of a graph input or output: a fixed size, or a
// symbolic one (Param, such as "N" for the batch) left to the runtime.
type Dim struct {
	Size  int64
	Param string
}

// Sym is a symbolic dimension named name.
func Sym(name string) Dim { return Dim{Param: name} }

// Fixed is a dimension of size n.
func Fixed(n int) Dim { return Dim{Size: int64(n)} }

// Int is an integer attribute.
func Int(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: &name, Type: onnxpb.AttributeProto_INT.Enum(), I: &v}
}

// Ints is an attribute holding a list of integers.
func Ints(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: &name, Type: onnxpb.AttributeProto_INTS.Enum(), Ints: append([]int64(nil), v...)}
}

// Float is a float attribute.
func Float(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: &name, Type: onnxpb.AttributeProto_FLOAT.Enum(), F: &v}
}

// String is a string attribute.
func String(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: &name, Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

// Graph builds an ONNX graph. Values are named; every method that creates
// one returns its name, which later nodes take as input. Nodes must be
// added in an order where each input already exists.
type Graph struct {
	pb    *onnxpb.GraphProto
	names map[string]bool // every value and node name in use
}

// NewGraph starts an empty graph called name.
func NewGraph(name string) *Graph {
	return &Graph{pb: &onnxpb.GraphProto{Name: &name}, names: map[string]bool{}}
}

// Unique returns name, or name with the first free numeric suffix
// ("main.0_1") when a value or node already uses it.
func (g *Graph) Unique(name string) string {
	if !g.names[name] {
		return name
	}
	for i := 1; ; i++ {
		if n := name + "_" + strconv.Itoa(i); !g.names[n] {
			return n
		}
	}
}

// claim reserves an exact name; reuse is a builder bug.
func (g *Graph) claim(name string) {
	if name == "" {
		panic("onnx: Graph: empty name")
	}
	if g.names[name] {
		panic(fmt.Sprintf("onnx: Graph: name %q used twice", name))
	}
	g.names[name] = true
}

func valueInfo(name string, t onnxpb.TensorProto_DataType, dims []Dim) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		dd := &onnxpb.TensorShapeProto_Dimension{}
		if d.Param != "" {
			dd.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d.Param}
		} else {
			dd.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d.Size}
		}
		shape.Dim = append(shape.Dim, dd)
	}
	if len(dims) == 0 {
		shape = nil // unknown rank: a scalar would be an empty, present shape
	}
	elem := int32(t)
	return &onnxpb.ValueInfoProto{
		Name: &name,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: &elem, Shape: shape}}},
	}
}

// Input declares a graph input of element type t and shape dims; no dims
// leaves the shape unknown.
func (g *Graph) Input(name string, t onnxpb.TensorProto_DataType, dims ...Dim) string {
	g.claim(name)
	g.pb.Input = append(g.pb.Input, valueInfo(name, t, dims))
	return name
}

// Output declares the value name, which a node must produce, as a graph
// output of element type t and shape dims; no dims leaves the shape unknown.
func (g *Graph) Output(name string, t onnxpb.TensorProto_DataType, dims ...Dim) {
	g.pb.Output = append(g.pb.Output, valueInfo(name, t, dims))
}

func checkDims(what string, n int, dims []int) []int64 {
	size := 1
	d64 := make([]int64, len(dims))
	for i, d := range dims {
		if d < 0 {
			panic(fmt.Sprintf("onnx: %s: negative dimension in %v", what, dims))
		}
		size *= d
		d64[i] = int64(d)
	}
	if size != n {
		panic(fmt.Sprintf("onnx: %s: %d values for shape %v", what, n, dims))
	}
	return d64
}

// Initializer adds a float32 constant of shape dims, stored little-endian
// in raw_data, under a free name based on name. data is copied.
func (g *Graph) Initializer(name string, data []float32, dims ...int) string {
	name = g.Unique(name)
	d64 := checkDims("Initializer "+name, len(data), dims)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	g.claim(name)
	g.pb.Initializer = append(g.pb.Initializer, &onnxpb.TensorProto{
		Name: &name, Dims: d64, DataType: proto.Int32(int32(Float32)), RawData: raw})
	return name
}

// Int64Initializer adds an int64 constant (a Reshape target, say) of shape
// dims under a free name based on name.
func (g *Graph) Int64Initializer(name string, data []int64, dims ...int) string {
	name = g.Unique(name)
	d64 := checkDims("Int64Initializer "+name, len(data), dims)
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	g.claim(name)
	g.pb.Initializer = append(g.pb.Initializer, &onnxpb.TensorProto{
		Name: &name, Dims: d64, DataType: proto.Int32(int32(Int64)), RawData: raw})
	return name
}

// Node appends an operator of the default domain reading inputs and
// writing one output, named out or, when out is taken, out with a numeric
// suffix. It returns the output's name; the node takes the same name.
func (g *Graph) Node(op, out string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	out = g.Unique(out)
	g.claim(out)
	// Attributes sorted by name keep the bytes independent of call order.
	as := append([]*onnxpb.AttributeProto(nil), attrs...)
	sort.Slice(as, func(i, j int) bool { return as[i].GetName() < as[j].GetName() })
	g.pb.Node = append(g.pb.Node, &onnxpb.NodeProto{
		OpType: &op, Name: proto.String(out), Input: append([]string(nil), inputs...),
		Output: []string{out}, Attribute: as, Domain: proto.String(""),
	})
	return out
}

// check verifies the graph reads only values defined before the read and
// that every output is produced.
func (g *Graph) check() error {
	known := map[string]bool{"": true} // "" marks an omitted optional input
	for _, v := range g.pb.Input {
		known[v.GetName()] = true
	}
	for _, t := range g.pb.Initializer {
		known[t.GetName()] = true
	}
	for _, n := range g.pb.Node {
		for _, in := range n.Input {
			if !known[in] {
				return fmt.Errorf("onnx: node %s (%s) reads %q before anything defines it", n.GetName(), n.GetOpType(), in)
			}
		}
		for _, out := range n.Output {
			known[out] = true
		}
	}
	if len(g.pb.Output) == 0 {
		return fmt.Errorf("onnx: graph %s has no outputs", g.pb.GetName())
	}
	for _, o := range g.pb.Output {
		if !known[o.GetName()] {
			return fmt.Errorf("onnx: graph output %q is not produced by any node", o.GetName())
		}
	}
	return nil
}

// ModelOptions describe a model around its graph.
type ModelOptions struct {
	ProducerVersion string
	Doc             string
	// Meta becomes metadata_props, sorted by key.
	Meta map[string]string
}

// Model checks the graph and wraps it as a model (producer "gogan", IR
// version IRVersion, default-domain opset Opset). The model shares the
// graph's messages: build a new Graph for another model.
func (g *Graph) Model(opt ModelOptions) (*onnxpb.ModelProto, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	m := &onnxpb.ModelProto{
		IrVersion:       proto.Int64(IRVersion),
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		ProducerName:    proto.String("gogan"),
		ProducerVersion: proto.String(opt.ProducerVersion),
		Graph:           g.pb,
	}
	if opt.Doc != "" {
		m.DocString = proto.String(opt.Doc)
	}
	keys := make([]string, 0, len(opt.Meta))
	for k := range opt.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.MetadataProps = append(m.MetadataProps, &onnxpb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(opt.Meta[k])})
	}
	return m, nil
}
