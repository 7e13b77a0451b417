package infer

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// reference recomputes the Gemm fixtures (scripts/make_infer_fixtures.py)
// in float64 from the weights stored in the model file.
type reference struct {
	w, b, emb       []float64
	in, out, embDim int
}

// loadReference reads the fixture's initializers: fc.weight (in,out),
// fc.bias (out) and, for the conditional model, label_emb.weight.
func loadReference(t *testing.T, path string) *reference {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tensors := map[string][]float64{}
	dims := map[string][]int64{}
	err = fields(b, func(num, typ int, _ uint64, graph []byte) error {
		if num != modelGraph || typ != 2 {
			return nil
		}
		return fields(graph, func(num, typ int, _ uint64, tensor []byte) error {
			if num != graphInit || typ != 2 {
				return nil
			}
			var name string
			var raw []byte
			var shape []int64
			var dtype uint64
			err := fields(tensor, func(num, typ int, v uint64, data []byte) error {
				switch {
				case num == 1 && typ == 0:
					shape = append(shape, int64(v))
				case num == 1 && typ == 2: // packed dims
					w := wire{data}
					for len(w.b) > 0 {
						d, err := w.varint()
						if err != nil {
							return err
						}
						shape = append(shape, int64(d))
					}
				case num == 2 && typ == 0:
					dtype = v
				case num == 8 && typ == 2:
					name = string(data)
				case num == 9 && typ == 2:
					raw = data
				}
				return nil
			})
			if err == nil && dtype == onnxFloat {
				vals := make([]float64, len(raw)/4)
				for i := range vals {
					vals[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
				}
				tensors[name], dims[name] = vals, shape
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &reference{w: tensors["fc.weight"], b: tensors["fc.bias"], emb: tensors["label_emb.weight"]}
	if d := dims["fc.weight"]; len(d) == 2 {
		r.in, r.out = int(d[0]), int(d[1])
	}
	if d := dims["label_emb.weight"]; len(d) == 2 {
		r.embDim = int(d[1])
	}
	if r.in == 0 || len(r.w) != r.in*r.out || len(r.b) != r.out {
		t.Fatalf("%s: fc.weight %v (%d values), fc.bias %d values", path, dims["fc.weight"], len(r.w), len(r.b))
	}
	return r
}

// forward is tanh([z, emb[label]]·W + b); label < 0 for no embedding.
func (r *reference) forward(z []float32, label int) []float64 {
	x := make([]float64, 0, r.in)
	for _, v := range z {
		x = append(x, float64(v))
	}
	if label >= 0 {
		x = append(x, r.emb[label*r.embDim:(label+1)*r.embDim]...)
	}
	y := make([]float64, r.out)
	for j := range y {
		s := r.b[j]
		for i, v := range x {
			s += v * r.w[i*r.out+j]
		}
		y[j] = math.Tanh(s)
	}
	return y
}
