package nn_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

func sampleTensors() []nn.Param {
	rng := rand.New(rand.NewPCG(50, 1))
	special := tensor.New([]float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, math.MaxFloat32}, 2, 3)
	return []nn.Param{
		{Name: "main.0.weight", T: tensor.Randn(rng, 0, 1, 4, 3, 2, 2)},
		{Name: "main.1.running_mean", T: tensor.Randn(rng, 0, 1, 4)},
		{Name: "scalar", T: tensor.Scalar(2.5)},
		{Name: "empty", T: tensor.Zeros(0, 3)},
		{Name: "ünïcode.名前", T: special},
		{Name: "big", T: tensor.Randn(rng, 0, 1, 70000)}, // spans several write chunks
	}
}

func encode(t *testing.T, ps []nn.Param) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := nn.WriteTensors(&buf, ps); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTensorsRoundTrip(t *testing.T) {
	ps := sampleTensors()
	data := encode(t, ps)
	got, err := nn.ReadTensors(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ps) {
		t.Fatalf("read %d tensors, wrote %d", len(got), len(ps))
	}
	for i, p := range ps {
		g := got[i]
		if g.Name != p.Name || !tensor.SameShape(g.T.Shape(), p.T.Shape()) {
			t.Fatalf("tensor %d: read %q %v, wrote %q %v", i, g.Name, g.T.Shape(), p.Name, p.T.Shape())
		}
		for j := range p.T.Data {
			if math.Float32bits(g.T.Data[j]) != math.Float32bits(p.T.Data[j]) {
				t.Fatalf("%s[%d]: read %v, wrote %v", p.Name, j, g.T.Data[j], p.T.Data[j])
			}
		}
	}
	if again := encode(t, got); !bytes.Equal(again, data) {
		t.Error("re-encoding the decoded tensors changed the bytes")
	}
	// Layout spot checks: magic, version, count, little-endian data, CRC.
	if string(data[:4]) != "GGNT" || binary.LittleEndian.Uint32(data[4:]) != 1 || binary.LittleEndian.Uint32(data[8:]) != uint32(len(ps)) {
		t.Errorf("header % x", data[:12])
	}
	first := 12 + 4 + len("main.0.weight") + 4 + 4*4
	if math.Float32frombits(binary.LittleEndian.Uint32(data[first:])) != ps[0].T.Data[0] {
		t.Error("first value is not stored little-endian after its header")
	}
	n := len(data) - 4
	if binary.LittleEndian.Uint32(data[n:]) != crc32.ChecksumIEEE(data[:n]) {
		t.Error("trailing CRC-32 does not cover the block")
	}
}

// Blocks can follow each other in one stream: a reader takes only its own.
func TestTensorsConcatenated(t *testing.T) {
	a := []nn.Param{{Name: "a", T: tensor.Full(1, 3)}}
	b := []nn.Param{{Name: "b", T: tensor.Full(2, 2, 2)}}
	r := bytes.NewReader(append(encode(t, a), encode(t, b)...))
	ga, err := nn.ReadTensors(r)
	if err != nil || ga[0].Name != "a" {
		t.Fatalf("first block: %v %v", ga, err)
	}
	gb, err := nn.ReadTensors(r)
	if err != nil || gb[0].Name != "b" || gb[0].T.Data[3] != 2 {
		t.Fatalf("second block: %v %v", gb, err)
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left unread", r.Len())
	}
}

func readErr(data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("PANIC")
		}
	}()
	_, err = nn.ReadTensors(bytes.NewReader(data))
	return err
}

func TestTensorsCorrupt(t *testing.T) {
	data := encode(t, sampleTensors()[:5])
	for n := range len(data) {
		err := readErr(data[:n])
		if err == nil || !strings.HasPrefix(err.Error(), "nn: ReadTensors: ") || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("truncated to %d of %d bytes: error %v", n, len(data), err)
		}
	}
	for i := range data {
		for _, bit := range []byte{0x01, 0x80} {
			bad := append([]byte(nil), data...)
			bad[i] ^= bit
			if err := readErr(bad); err == nil || !strings.HasPrefix(err.Error(), "nn: ReadTensors: ") {
				t.Fatalf("byte %d ^ %#x: error %v", i, bit, err)
			}
		}
	}
	bad := append([]byte("PK\x03\x04"), data[4:]...)
	if err := readErr(bad); err == nil || !strings.Contains(err.Error(), "bad magic") {
		t.Errorf("bad magic: error %v", err)
	}
	bad = append([]byte(nil), data...)
	binary.LittleEndian.PutUint32(bad[4:], 2)
	if err := readErr(bad); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("version 2: error %v", err)
	}
	// A huge declared size must fail on the missing data, not allocate it.
	huge := []byte("GGNT\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00x\x02\x00\x00\x00\xff\xff\xff\x7f\x02\x00\x00\x00")
	if err := readErr(huge); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("huge tensor: error %v", err)
	}
	huge[len(huge)-2] = 0xff
	if err := readErr(huge); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("absurd tensor: error %v", err)
	}
}

func TestWriteTensorsRejects(t *testing.T) {
	x := tensor.Zeros(1)
	for want, ps := range map[string][]nn.Param{
		"empty name":    {{Name: "", T: x}},
		"twice":         {{Name: "a", T: x}, {Name: "a", T: x}},
		"has no tensor": {{Name: "a"}},
	} {
		var buf bytes.Buffer
		if err := nn.WriteTensors(&buf, ps); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("WriteTensors: error %v, want %q", err, want)
		}
	}
}

// FuzzReadTensors: arbitrary input gives tensors or an nn: error, never a
// panic (go test -fuzz=FuzzReadTensors ./train/nn/ to explore further).
func FuzzReadTensors(f *testing.F) {
	var buf bytes.Buffer
	if err := nn.WriteTensors(&buf, sampleTensors()[:5]); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("GGNT\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := nn.ReadTensors(bytes.NewReader(data))
		if err != nil && !strings.HasPrefix(err.Error(), "nn: ReadTensors: ") {
			t.Fatalf("error without prefix: %v", err)
		}
		if err == nil {
			var again bytes.Buffer
			if err := nn.WriteTensors(&again, ps); err != nil || !bytes.Equal(again.Bytes(), data[:again.Len()]) {
				t.Fatalf("accepted input does not re-encode to itself: %v", err)
			}
		}
	})
}
