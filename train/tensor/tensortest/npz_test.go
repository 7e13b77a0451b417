package tensortest_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/train/tensor/tensortest"
)

// npy_formats.npz is written by numpy (scripts/fixtures.py), so this checks
// the reader against the real format, not against a writer of our own.
func TestLoadNPZNumpyFile(t *testing.T) {
	arrs, err := tensortest.LoadNPZ(filepath.Join("testdata", "npy_formats.npz"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		dtype string
		shape []int
		data  []float64
	}{
		"f8_2x3":   {"<f8", []int{2, 3}, []float64{-0.5, -0.25, 0, 0.25, 0.5, 0.75}},
		"f4_3":     {"<f4", []int{3}, []float64{1.5, -2.25, float64(float32(3e-8))}},
		"i8_2x2x2": {"<i8", []int{2, 2, 2}, []float64{-3, -2, -1, 0, 1, 2, 3, 4}},
		"scalar":   {"<f8", []int{}, []float64{2.5}},
		"empty":    {"<f8", []int{0, 4}, []float64{}},
	}
	if len(arrs) != len(want) {
		t.Errorf("got %d arrays, want %d", len(arrs), len(want))
	}
	for name, w := range want {
		a, ok := arrs[name]
		if !ok {
			t.Errorf("%s: missing", name)
			continue
		}
		if a.Dtype != w.dtype || !equalInts(a.Shape, w.shape) || !equalFloats(a.Data, w.data) {
			t.Errorf("%s: got %s %v %v, want %s %v %v", name, a.Dtype, a.Shape, a.Data, w.dtype, w.shape, w.data)
		}
	}
	if x := arrs["f4_3"].Tensor(); x.Data[2] != float32(3e-8) || !equalInts(x.Shape(), []int{3}) {
		t.Errorf("Tensor: got %v", x)
	}
}

// npy builds a version-1 .npy file from a header dict and raw data.
func npy(header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func f8(vs ...float64) []byte {
	var b bytes.Buffer
	for _, v := range vs {
		binary.Write(&b, binary.LittleEndian, math.Float64bits(v))
	}
	return b.Bytes()
}

func TestReadNPYVersion2(t *testing.T) {
	h := "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x02\x00")
	binary.Write(&b, binary.LittleEndian, uint32(len(h)))
	b.WriteString(h)
	b.Write(f8(1, -2))
	a, err := tensortest.ReadNPY(&b)
	if err != nil || !equalInts(a.Shape, []int{2}) || !equalFloats(a.Data, []float64{1, -2}) {
		t.Fatalf("got %v, %v", a, err)
	}
}

func TestReadNPYErrors(t *testing.T) {
	ok := "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
	cases := []struct {
		name, want string
		file       []byte
	}{
		{"magic", "bad magic", append([]byte("\x93NUMPX\x01\x00\x00\x00"), f8(1)...)},
		{"version", "version 4", append([]byte("\x93NUMPY\x04\x00\x00\x00"), f8(1)...)},
		{"big-endian", "unsupported dtype", npy(strings.Replace(ok, "<f8", ">f8", 1), f8(1, 2))},
		{"float16", "unsupported dtype", npy(strings.Replace(ok, "<f8", "<f2", 1), f8(1))},
		{"fortran", "Fortran", npy(strings.Replace(ok, "False", "True", 1), f8(1, 2))},
		{"no shape", "no shape", npy("{'descr': '<f8', 'fortran_order': False, }", nil)},
		{"bad dim", "bad dimension", npy(strings.Replace(ok, "(2,)", "(2, x)", 1), f8(1, 2))},
		{"short", "reading 2 values", npy(ok, f8(1))},
		{"long", "bytes after", npy(ok, f8(1, 2, 3))},
		{"header cut", "reading header", []byte("\x93NUMPY\x01\x00\x40\x00{'descr'")},
	}
	for _, c := range cases {
		_, err := tensortest.ReadNPY(bytes.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// Errors from LoadNPZ name the file and the entry, so a broken fixture is
// easy to find.
func TestLoadNPZErrorsNameFileAndEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.npz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("good.npy")
	w.Write(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", f8(1)))
	w, _ = zw.Create("weights.npy")
	w.Write(npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", f8(1, 2)))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = tensortest.LoadNPZ(path)
	if err == nil || !strings.Contains(err.Error(), "bad.npz") || !strings.Contains(err.Error(), "weights.npy") {
		t.Errorf("got %v, want an error naming bad.npz and weights.npy", err)
	}
	if _, err := tensortest.LoadNPZ(filepath.Join(t.TempDir(), "missing.npz")); err == nil {
		t.Error("missing file: no error")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
