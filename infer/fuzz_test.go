package infer

import (
	"os"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/allocs"
)

// FuzzReadInfo: any bytes give a generator's Info or a model error (a
// *ModelError naming the file), never a panic, a hang or a large
// allocation, and an accepted model has dimensions infer can allocate for.
// go test runs the seeds (the test models and testdata/fuzz/FuzzReadInfo);
// make fuzz explores further.
func FuzzReadInfo(f *testing.F) {
	for _, name := range []string{"gen_gray.onnx", "gen_fixed.onnx", "gen_cond.onnx"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// gen_gray with metadata_props z_dim=1000000000 appended (the last
	// entry of a key wins): a size Generate must not be asked to allocate.
	b, _ := os.ReadFile("testdata/gen_gray.onnx")
	entry := append([]byte{0x0a, 5}, "z_dim"...)
	entry = append(append(entry, 0x12, 10), "1000000000"...)
	f.Add(append(append(b, 14<<3|2, byte(len(entry))), entry...))
	f.Fuzz(func(t *testing.T, b []byte) {
		var info Info
		var err error
		if n := allocs.During(func() { info, err = ReadInfo(b, "fuzz.onnx") }); n > allocs.FuzzLimit+4*uint64(len(b)) {
			t.Fatalf("reading %d bytes allocated %d", len(b), n)
		}
		if err != nil {
			if me, ok := err.(*ModelError); !ok || me.Path != "fuzz.onnx" {
				t.Fatalf("error %T %v does not name the file", err, err)
			}
			return
		}
		if info.ZDim < 1 || info.ZDim > maxZDim || info.Size < 1 || info.Size > maxSide || info.Width < 1 || info.Width > maxSide {
			t.Fatalf("accepted a generator with z_dim %d and %dx%d images", info.ZDim, info.Size, info.Width)
		}
		if s := info.String(); !strings.Contains(s, "z_dim") {
			t.Fatalf("Info.String() = %q", s)
		}
	})
}
