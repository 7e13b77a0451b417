package npy

import (
	"bytes"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{3}, {2, 3}, {1, 1, 2, 2}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i) - 1.5
		}
		var buf bytes.Buffer
		if err := Write(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		if (buf.Len()-4*n)%64 != 0 {
			t.Errorf("shape %v: data does not start on a 64-byte boundary", shape)
		}
		s, d, err := Read(&buf)
		if err != nil || len(s) != len(shape) || len(d) != n || d[n-1] != data[n-1] {
			t.Errorf("shape %v: read back %v %v %v", shape, s, d, err)
		}
	}
}

func TestBadFiles(t *testing.T) {
	var good bytes.Buffer
	Write(&good, []int{2, 2}, []float32{1, 2, 3, 4})
	g := good.Bytes()
	cases := map[string][]byte{
		"bad magic": []byte("PK\x03\x04 not npy at all"),
		"truncated": g[:len(g)-3],
		"Fortran":   bytes.Replace(g, []byte("False"), []byte("True "), 1),
		"dtype":     bytes.Replace(g, []byte("<f4"), []byte("<i8"), 1),
		"shape":     bytes.Replace(g, []byte("(2, 2)"), []byte("(2, x)"), 1),
	}
	for want, b := range cases {
		_, _, err := Read(bytes.NewReader(b))
		if err == nil || !strings.HasPrefix(err.Error(), "npy:") {
			t.Errorf("%s: error %v", want, err)
		}
	}
}
