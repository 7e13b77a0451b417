package onnx

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/gogan/gan/models/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// Write serialises m to w. Deterministic marshalling, with attributes and
// metadata sorted by the builder, gives the same bytes for the same model,
// so exports can be compared by checksum.
func Write(w io.Writer, m *onnxpb.ModelProto) error {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return fmt.Errorf("onnx: encoding model: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("onnx: writing model: %w", err)
	}
	return nil
}

// Read parses a serialised model from r.
func Read(r io.Reader) (*onnxpb.ModelProto, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("onnx: reading model: %w", err)
	}
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("onnx: not an ONNX model: %w", err)
	}
	if m.Graph == nil {
		return nil, fmt.Errorf("onnx: the model has no graph")
	}
	return m, nil
}

// Meta returns m's metadata_props as a map.
func Meta(m *onnxpb.ModelProto) map[string]string {
	kv := make(map[string]string, len(m.MetadataProps))
	for _, p := range m.MetadataProps {
		kv[p.GetKey()] = p.GetValue()
	}
	return kv
}

func numel(t *onnxpb.TensorProto) (int, error) {
	n := 1
	for _, d := range t.Dims {
		if d < 0 {
			return 0, fmt.Errorf("onnx: tensor %q has negative dimension %d", t.GetName(), d)
		}
		n *= int(d)
	}
	return n, nil
}

// Floats decodes a float32 tensor, from raw_data or float_data.
func Floats(t *onnxpb.TensorProto) ([]float32, error) {
	if t.GetDataType() != int32(Float32) {
		return nil, fmt.Errorf("onnx: tensor %q has data type %d, want FLOAT", t.GetName(), t.GetDataType())
	}
	n, err := numel(t)
	if err != nil {
		return nil, err
	}
	if t.RawData != nil {
		if len(t.RawData) != 4*n {
			return nil, fmt.Errorf("onnx: tensor %q: %d raw bytes for %d floats", t.GetName(), len(t.RawData), n)
		}
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.RawData[4*i:]))
		}
		return out, nil
	}
	if len(t.FloatData) != n {
		return nil, fmt.Errorf("onnx: tensor %q: %d floats for shape %v", t.GetName(), len(t.FloatData), t.Dims)
	}
	return append([]float32(nil), t.FloatData...), nil
}

// Int64s decodes an int64 tensor, from raw_data or int64_data.
func Int64s(t *onnxpb.TensorProto) ([]int64, error) {
	if t.GetDataType() != int32(Int64) {
		return nil, fmt.Errorf("onnx: tensor %q has data type %d, want INT64", t.GetName(), t.GetDataType())
	}
	n, err := numel(t)
	if err != nil {
		return nil, err
	}
	if t.RawData != nil {
		if len(t.RawData) != 8*n {
			return nil, fmt.Errorf("onnx: tensor %q: %d raw bytes for %d int64s", t.GetName(), len(t.RawData), n)
		}
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(t.RawData[8*i:]))
		}
		return out, nil
	}
	if len(t.Int64Data) != n {
		return nil, fmt.Errorf("onnx: tensor %q: %d int64s for shape %v", t.GetName(), len(t.Int64Data), t.Dims)
	}
	return append([]int64(nil), t.Int64Data...), nil
}
