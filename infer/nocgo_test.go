//go:build !cgo

package infer

import (
	"errors"
	"os"
	"testing"
)

// TestNoCgo: without cgo, infer compiles and says at run time why it
// cannot work (TestBuildsWithoutCgo runs this in a CGO_ENABLED=0 build).
func TestNoCgo(t *testing.T) {
	const want = "infer: built without cgo; onnxruntime needs CGO_ENABLED=1 and a C compiler"
	_, err := Open("testdata/gen_gray.onnx")
	if err == nil || err.Error() != want {
		t.Errorf("Open: %v; want %q", err, want)
	}
	if !errors.Is(err, ErrNoCgo) || !errors.Is(err, ErrNoLibrary) {
		t.Errorf("Open: %v does not match ErrNoCgo and ErrNoLibrary", err)
	}
	if _, _, err := RuntimeVersion(""); !errors.Is(err, ErrNoCgo) {
		t.Errorf("RuntimeVersion: %v; want ErrNoCgo", err)
	}
	b, _ := os.ReadFile("testdata/gen_gray.onnx")
	if _, err := ReadInfo(b, "gen_gray"); err != nil {
		t.Errorf("ReadInfo needs no runtime, but: %v", err)
	}
}
