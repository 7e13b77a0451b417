package npy

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/allocs"
)

// FuzzRead: any bytes give an array or an "npy:" error, never a panic or
// an allocation beyond a few times the input (a header announcing a huge
// shape over a short file must not allocate that shape); an accepted
// float32 array writes back to the same data.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, []int{2, 3}, []float32{1, 2, 3, 4, 5, -6})
	f.Add(buf.Bytes())
	f.Add(Header([]int{1 << 24, 4})) // 256 MiB announced, none there
	f.Add([]byte("\x93NUMPY\x02\x00\x20\x00\x00\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\x00\x00\x00\x00\x00\x00\xf0\x3f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var shape []int
		var data []float32
		var err error
		if n := allocs.During(func() { shape, data, err = Read(bytes.NewReader(b)) }); n > 4<<20+8*uint64(len(b)) {
			t.Fatalf("reading %d bytes allocated %d", len(b), n)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "npy: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if n != len(data) {
			t.Fatalf("shape %v with %d values", shape, len(data))
		}
		var again bytes.Buffer
		if err := Write(&again, shape, data); err != nil {
			t.Fatal(err)
		}
		if _, d2, err := Read(&again); err != nil || len(d2) != len(data) {
			t.Fatalf("written back: %v", err)
		}
	})
}
