package infer

import (
	"errors"
	"fmt"
	"math"
)

// This file reads just enough of an ONNX ModelProto (protobuf wire format)
// to check a file before onnxruntime sees it: the graph's inputs and outputs
// with their element types and shapes, the initializer names and the
// metadata_props. Reading it ourselves turns a truncated or foreign file into
// an error that names the problem, where onnxruntime would only say
// "protobuf parsing failed", and lets `gan-gen info` work without the
// runtime library.

// Field numbers from onnx.proto.
const (
	modelGraph    = 7  // ModelProto.graph
	modelMetadata = 14 // ModelProto.metadata_props
	graphInit     = 5  // GraphProto.initializer
	graphInput    = 11 // GraphProto.input
	graphOutput   = 12 // GraphProto.output
	tensorName    = 8  // TensorProto.name
)

// ONNX TensorProto.DataType values that infer cares about.
const (
	onnxFloat = 1
	onnxInt64 = 7
)

// valueInfo is a graph input or output. Dims holds -1 for a symbolic or
// unknown dimension.
type valueInfo struct {
	Name     string
	ElemType int
	Dims     []int64
	IsTensor bool
}

// modelFile is the part of a ModelProto infer reads.
type modelFile struct {
	Inputs   []valueInfo // graph inputs that are not initializers
	Outputs  []valueInfo
	Metadata map[string]string
	HasGraph bool
}

var errTruncated = errors.New("the protobuf data ends in the middle of a field")

// wire walks the fields of one protobuf message.
type wire struct{ b []byte }

func (w *wire) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if len(w.b) == 0 {
			return 0, errTruncated
		}
		c := w.b[0]
		w.b = w.b[1:]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("a varint is longer than 10 bytes")
}

// next returns the next field's number and wire type; for a varint field v
// is its value, for a length-delimited field data is its payload.
func (w *wire) next() (num int, typ int, v uint64, data []byte, err error) {
	key, err := w.varint()
	if err != nil {
		return 0, 0, 0, nil, err
	}
	num, typ = int(key>>3), int(key&7)
	if num == 0 {
		return 0, 0, 0, nil, errors.New("field number 0")
	}
	switch typ {
	case 0:
		v, err = w.varint()
	case 1, 5:
		n := 8
		if typ == 5 {
			n = 4
		}
		if len(w.b) < n {
			return 0, 0, 0, nil, errTruncated
		}
		w.b = w.b[n:]
	case 2:
		var n uint64
		if n, err = w.varint(); err != nil {
			return 0, 0, 0, nil, err
		}
		if n > uint64(len(w.b)) {
			return 0, 0, 0, nil, errTruncated
		}
		data, w.b = w.b[:n], w.b[n:]
	default:
		return 0, 0, 0, nil, fmt.Errorf("wire type %d (groups or garbage)", typ)
	}
	return num, typ, v, data, err
}

// fields calls f for every field of msg, stopping at the first error.
func fields(msg []byte, f func(num, typ int, v uint64, data []byte) error) error {
	w := wire{msg}
	for len(w.b) > 0 {
		num, typ, v, data, err := w.next()
		if err != nil {
			return err
		}
		if err := f(num, typ, v, data); err != nil {
			return err
		}
	}
	return nil
}

// parseModel reads b as an ONNX ModelProto.
func parseModel(b []byte) (*modelFile, error) {
	m := &modelFile{Metadata: map[string]string{}}
	var graph []byte
	err := fields(b, func(num, typ int, _ uint64, data []byte) error {
		switch {
		case num == modelGraph && typ == 2:
			graph, m.HasGraph = data, true
		case num == modelMetadata && typ == 2:
			k, v, err := parseStringPair(data)
			if err != nil {
				return err
			}
			m.Metadata[k] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !m.HasGraph {
		return m, nil
	}
	inits := map[string]bool{}
	var inputs []valueInfo
	err = fields(graph, func(num, typ int, _ uint64, data []byte) error {
		if typ != 2 {
			return nil
		}
		switch num {
		case graphInit:
			name, err := stringField(data, tensorName)
			inits[name] = true
			return err
		case graphInput, graphOutput:
			vi, err := parseValueInfo(data)
			if err != nil {
				return err
			}
			if num == graphInput {
				inputs = append(inputs, vi)
			} else {
				m.Outputs = append(m.Outputs, vi)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Before IR version 4 every initializer was also listed as an input;
	// such inputs have defaults and are not fed by the caller.
	for _, in := range inputs {
		if !inits[in.Name] {
			m.Inputs = append(m.Inputs, in)
		}
	}
	return m, nil
}

// parseStringPair reads a StringStringEntryProto (key = 1, value = 2).
func parseStringPair(b []byte) (k, v string, err error) {
	err = fields(b, func(num, typ int, _ uint64, data []byte) error {
		if typ == 2 && num == 1 {
			k = string(data)
		} else if typ == 2 && num == 2 {
			v = string(data)
		}
		return nil
	})
	return k, v, err
}

// stringField returns the last occurrence of length-delimited field num.
func stringField(b []byte, want int) (s string, err error) {
	err = fields(b, func(num, typ int, _ uint64, data []byte) error {
		if typ == 2 && num == want {
			s = string(data)
		}
		return nil
	})
	return s, err
}

// parseValueInfo reads a ValueInfoProto: name = 1, type = 2 (TypeProto,
// whose tensor_type = 1 holds elem_type = 1 and shape = 2; the shape's
// dim = 1 entries hold dim_value = 1 or dim_param = 2).
func parseValueInfo(b []byte) (vi valueInfo, err error) {
	err = fields(b, func(num, typ int, _ uint64, data []byte) error {
		if typ != 2 {
			return nil
		}
		switch num {
		case 1:
			vi.Name = string(data)
		case 2:
			return fields(data, func(num, typ int, _ uint64, tensor []byte) error {
				if num != 1 || typ != 2 {
					return nil
				}
				vi.IsTensor = true
				return parseTensorType(tensor, &vi)
			})
		}
		return nil
	})
	return vi, err
}

func parseTensorType(b []byte, vi *valueInfo) error {
	return fields(b, func(num, typ int, v uint64, data []byte) error {
		switch {
		case num == 1 && typ == 0:
			vi.ElemType = int(v)
		case num == 2 && typ == 2:
			vi.Dims = []int64{}
			return fields(data, func(num, typ int, _ uint64, dim []byte) error {
				if num != 1 || typ != 2 {
					return nil
				}
				d := int64(-1)
				err := fields(dim, func(num, typ int, v uint64, _ []byte) error {
					if num == 1 && typ == 0 && v <= math.MaxInt32 {
						d = int64(v)
					}
					return nil
				})
				vi.Dims = append(vi.Dims, d)
				return err
			})
		}
		return nil
	})
}

// String formats a value as `z float32 (N,100)`, for error messages.
func (vi valueInfo) String() string {
	if !vi.IsTensor {
		return vi.Name + " (not a tensor)"
	}
	s := vi.Name + " " + elemTypeName(vi.ElemType) + " ("
	if vi.Dims == nil {
		return s + "unknown shape)"
	}
	for i, d := range vi.Dims {
		if i > 0 {
			s += ","
		}
		if d < 0 {
			if i == 0 {
				s += "N"
			} else {
				s += "?"
			}
		} else {
			s += fmt.Sprint(d)
		}
	}
	return s + ")"
}

func elemTypeName(t int) string {
	names := map[int]string{1: "float32", 2: "uint8", 3: "int8", 5: "int16", 6: "int32", 7: "int64",
		9: "bool", 10: "float16", 11: "float64", 16: "bfloat16"}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("type%d", t)
}
