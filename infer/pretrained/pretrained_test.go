package pretrained_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/infer/pretrained"
)

// TestGenerator: the bytes are a complete gan-train export of the
// conditional MNIST DCGAN (one class per digit, so gan-gen --label 7 draws
// sevens), which infer accepts without loading the runtime.
func TestGenerator(t *testing.T) {
	in, err := infer.ReadInfo(pretrained.Generator, pretrained.Name)
	if err != nil {
		t.Fatal(err)
	}
	if in.Kind != "conditional-dcgan" || in.Dataset != "mnist" || in.ZDim != 100 || in.Channels != 1 || in.Size != 28 || !in.Conditional ||
		!slices.Equal(in.Classes, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
		t.Errorf("built-in generator: %+v; want the conditional MNIST DCGAN, z_dim 100, 1x28x28, classes 0-9", in)
	}
}

// TestImportsNothing: a program that embeds the generator pulls in no
// training code, models or runtime with it.
func TestImportsNothing(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			if p, _ := strconv.Unquote(im.Path.Value); p != "embed" {
				t.Errorf("%s imports %s; the package should hold only the model's bytes", f, p)
			}
		}
	}
}
