package infer

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputKindOf(t *testing.T) {
	for name, want := range map[string]OutputKind{
		"": OutputNone, "-": OutputStdout, "a.npy": OutputNpy, "A.NPY": OutputNpy, "d/x.tar": OutputTar,
		"samples": OutputDir, "runs/v1.2": OutputDir, "out.d": OutputDir,
	} {
		if got, err := OutputKindOf(name); got != want || err != nil {
			t.Errorf("OutputKindOf(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for name, what := range map[string]string{"x.png": "image", "x.JPG": "image", "x.zip": "archive", "x.csv": "file", "g.onnx": "file"} {
		_, err := OutputKindOf(name)
		var ne *OutputNameError
		if !errors.As(err, &ne) || ne.Name != name || ne.What != what || ne.Ext != strings.ToLower(filepath.Ext(name)) {
			t.Errorf("OutputKindOf(%q): %v; want an OutputNameError for a %s", name, err, what)
		}
	}
}

func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	file, full, empty := filepath.Join(dir, "x.tar"), filepath.Join(dir, "full"), filepath.Join(dir, "empty")
	os.WriteFile(file, []byte("x"), 0o644)
	os.Mkdir(empty, 0o755)
	os.Mkdir(full, 0o755)
	os.WriteFile(filepath.Join(full, "a.png"), nil, 0o644)
	for _, c := range []struct {
		kind      OutputKind
		name      string
		overwrite bool
		want      error // nil: accepted
	}{
		{OutputTar, filepath.Join(dir, "new.tar"), false, nil},
		{OutputTar, file, false, ErrOutputExists},
		{OutputTar, file, true, nil},
		{OutputNpy, full, true, ErrOutputIsFolder},
		{OutputDir, filepath.Join(dir, "new"), false, nil},
		{OutputDir, empty, false, nil},
		{OutputDir, full, false, ErrOutputNotEmpty},
		{OutputDir, full, true, nil},
		{OutputDir, file, true, ErrOutputNotFolder},
		{OutputStdout, "-", false, nil},
		{OutputNone, "", false, nil},
	} {
		err := CheckOutput(c.kind, c.name, c.overwrite)
		var oe *OutputError
		switch {
		case c.want == nil && err != nil:
			t.Errorf("CheckOutput(%v, %s, %v): %v; want it accepted", c.kind, c.name, c.overwrite, err)
		case c.want != nil && (!errors.Is(err, c.want) || !errors.As(err, &oe) || oe.Name != c.name):
			t.Errorf("CheckOutput(%v, %s, %v): %v; want %v for that name", c.kind, c.name, c.overwrite, err, c.want)
		}
	}
}

// TestOpenOutput: each kind gets its sink; nothing is written until the
// sink finishes, and stdout gets the tar stream.
func TestOpenOutput(t *testing.T) {
	dir := t.TempDir()
	var stdout bytes.Buffer
	for _, c := range []struct {
		kind OutputKind
		name string
	}{{OutputNone, ""}, {OutputStdout, "-"}, {OutputDir, filepath.Join(dir, "d")}, {OutputTar, filepath.Join(dir, "x.tar")}, {OutputNpy, filepath.Join(dir, "x.npy")}} {
		o, err := OpenOutput(c.kind, c.name, &stdout, "")
		if err != nil {
			t.Fatalf("OpenOutput(%v, %s): %v", c.kind, c.name, err)
		}
		if (o.Sink == nil) != (c.kind == OutputNone) || (o.Dir != nil) != (c.kind == OutputDir) || o.Existed {
			t.Errorf("OpenOutput(%v, %s) = %+v", c.kind, c.name, o)
		}
		if c.kind == OutputStdout {
			if err := o.Sink.Finish([]byte("index,file\n")); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout.String(), ManifestName) {
				t.Errorf("stdout holds no tar with %s", ManifestName)
			}
		} else if o.Sink != nil {
			o.Sink.Abort()
		}
		if _, err := os.Stat(c.name); c.name != "-" && c.name != "" && err == nil {
			t.Errorf("%s exists after an aborted run", c.name)
		}
	}
}

func TestDescribe(t *testing.T) {
	b, err := os.ReadFile("testdata/gen_cond.onnx")
	if err != nil {
		t.Fatal(err)
	}
	in, err := ReadInfo(b, "gen_cond.onnx")
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(Describe("gen_cond.onnx", b, in))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(j, &m)
	for k, want := range map[string]any{"model": "gen_cond.onnx", "bytes": float64(len(b)), "z_dim": float64(8), "height": float64(8),
		"channels": float64(3), "conditional": true, "kind": "conditional-mlp"} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if cl, _ := m["classes"].([]any); len(cl) != 3 || cl[1] != "dog" {
		t.Errorf("classes = %v", m["classes"])
	}
	if _, ok := m["onnxruntime"].(map[string]any); !ok {
		t.Error("no onnxruntime object")
	}
	gray, _ := os.ReadFile("testdata/gen_gray.onnx")
	in, _ = ReadInfo(gray, "gen_gray.onnx")
	if d := Describe("g", gray, in); d.Classes == nil || len(d.Classes) != 0 {
		t.Errorf("unconditional classes = %#v; want [] (not null) in JSON", d.Classes)
	}
}
