package onnx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/models/onnx/onnxpb"
	"github.com/gogan/gan/models/onnx/onnxtest"
	"google.golang.org/protobuf/proto"
)

// tiny is z (N,2) -> Gemm -> Relu -> Reshape -> y (N,1,1,3).
func tiny(t *testing.T) *onnxpb.ModelProto {
	t.Helper()
	g := onnx.NewGraph("tiny")
	z := g.Input("z", onnx.Float32, onnx.Sym("N"), onnx.Fixed(2))
	w := g.Initializer("fc.weight", []float32{1, 2, 3, 4, 5, 6}, 3, 2)
	b := g.Initializer("fc.bias", []float32{-1, 0, 1}, 3)
	h := g.Node("Gemm", "fc", []string{z, w, b}, onnx.Int("transB", 1))
	h = g.Node("Relu", "fc", []string{h}) // a taken name gets a suffix
	g.Node("Reshape", "y", []string{h, g.Int64Initializer("shape", []int64{0, 1, 1, 3}, 4)})
	g.Output("y", onnx.Float32, onnx.Sym("N"), onnx.Fixed(1), onnx.Fixed(1), onnx.Fixed(3))
	m, err := g.Model(onnx.ModelOptions{ProducerVersion: "1.2.3", Doc: "tiny", Meta: map[string]string{"b": "2", "a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteReadRoundTrip(t *testing.T) {
	m := tiny(t)
	var buf bytes.Buffer
	if err := onnx.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := onnx.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(m, back) {
		t.Error("the model read back differs from the one written")
	}
	var again bytes.Buffer
	onnx.Write(&again, back)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("writing the same model twice gives different bytes")
	}
	if m.GetIrVersion() != 8 || m.OpsetImport[0].GetVersion() != 17 || m.OpsetImport[0].GetDomain() != "" || m.GetProducerName() != "gogan" {
		t.Errorf("IR %d, opsets %v, producer %q", m.GetIrVersion(), m.OpsetImport, m.GetProducerName())
	}
	if p := m.MetadataProps; len(p) != 2 || p[0].GetKey() != "a" || p[1].GetKey() != "b" || onnx.Meta(m)["b"] != "2" {
		t.Errorf("metadata %v, want a=1, b=2 in key order", p)
	}
	if n := m.Graph.Node; n[0].GetName() != "fc" || n[1].GetName() != "fc_1" || n[2].Input[0] != "fc_1" {
		t.Errorf("node names %q %q", n[0].GetName(), n[1].GetName())
	}
	out, err := onnxtest.Run(back, map[string]onnxtest.Value{"z": onnxtest.Floats([]float32{1, 1, 0, -1}, 2, 2)})
	if err != nil {
		t.Fatal(err)
	}
	// z0 = (1,1): (3-1, 7, 11+1); z1 = (0,-1): relu(-2-1, -4, -6+1).
	if got := out["y"]; len(got.Shape) != 4 || got.Shape[0] != 2 || got.F[0] != 2 || got.F[1] != 7 || got.F[2] != 12 || got.F[3]+got.F[4]+got.F[5] != 0 {
		t.Errorf("y = %v", got)
	}
	path := filepath.Join(t.TempDir(), "tiny.onnx")
	os.WriteFile(path, buf.Bytes(), 0o644)
	if got := onnxtest.Check(t, path)[path]; len(got) != 1 || got[0] != "y N,1,1,3" {
		t.Errorf("inferred outputs %q", got)
	}
}

func TestDecode(t *testing.T) {
	f := &onnxpb.TensorProto{Dims: []int64{2}, DataType: proto.Int32(int32(onnx.Float32)), FloatData: []float32{1.5, -2}}
	if v, err := onnx.Floats(f); err != nil || v[0] != 1.5 || v[1] != -2 {
		t.Errorf("float_data: %v %v", v, err)
	}
	i := &onnxpb.TensorProto{Dims: []int64{1}, DataType: proto.Int32(int32(onnx.Int64)), Int64Data: []int64{-7}}
	if v, err := onnx.Int64s(i); err != nil || v[0] != -7 {
		t.Errorf("int64_data: %v %v", v, err)
	}
	bad := []*onnxpb.TensorProto{
		{Dims: []int64{3}, DataType: proto.Int32(int32(onnx.Float32)), FloatData: []float32{1}},
		{Dims: []int64{2}, DataType: proto.Int32(int32(onnx.Float32)), RawData: []byte{1, 2, 3}},
		{Dims: []int64{1}, DataType: proto.Int32(int32(onnx.Int64)), FloatData: []float32{1}},
	}
	for _, b := range bad {
		if _, err := onnx.Floats(b); err == nil {
			t.Errorf("%v: decoded", b)
		}
	}
}

func TestReadRejects(t *testing.T) {
	if _, err := onnx.Read(strings.NewReader("\xff\xff not a model")); err == nil || !strings.HasPrefix(err.Error(), "onnx: ") {
		t.Errorf("garbage: %v", err)
	}
	if _, err := onnx.Read(strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "no graph") {
		t.Errorf("empty: %v", err)
	}
}

func TestModelChecksGraph(t *testing.T) {
	g := onnx.NewGraph("bad")
	x := g.Input("x", onnx.Float32, onnx.Fixed(1))
	g.Node("Add", "y", []string{x, "later"})
	g.Output("y", onnx.Float32)
	if _, err := g.Model(onnx.ModelOptions{}); err == nil || !strings.Contains(err.Error(), `"later"`) {
		t.Errorf("undefined input: %v", err)
	}
	g = onnx.NewGraph("bad")
	g.Node("Relu", "y", []string{g.Input("x", onnx.Float32)})
	g.Output("z", onnx.Float32)
	if _, err := g.Model(onnx.ModelOptions{}); err == nil || !strings.Contains(err.Error(), `"z"`) {
		t.Errorf("missing output: %v", err)
	}
}

func TestBuilderPanics(t *testing.T) {
	cases := map[string]func(g *onnx.Graph){
		"values for shape": func(g *onnx.Graph) { g.Initializer("w", []float32{1, 2, 3}, 2, 2) },
		"used twice":       func(g *onnx.Graph) { g.Input("x", onnx.Float32); g.Input("x", onnx.Float32) },
	}
	for want, f := range cases {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), want) {
					t.Errorf("panic %v, want one mentioning %q", r, want)
				}
			}()
			f(onnx.NewGraph("g"))
		}()
	}
}
