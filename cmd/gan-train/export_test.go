package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/models/onnx/onnxtest"
	"github.com/gogan/gan/train"
	"github.com/gogan/gan/train/tensor"
)

func readModelMeta(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := onnx.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return onnx.Meta(m)
}

// A finished run leaves generator.onnx in its folder; `gan-train export`
// rewrites it from the checkpoint, with --raw selects G over its moving
// average, and refuses missing or damaged runs without writing anything.
func TestExportCommand(t *testing.T) {
	folder := writeFolder(t, 4, 28)
	run := filepath.Join(t.TempDir(), "run")
	code, msg := runCLI(t, "--data", folder, "--image-size", "28", "--channels", "1", "--conditional", "--ema", "0.5",
		"--steps", "2", "--batch-size", "2", "--threads", "1", "--out", run)
	if code != 0 || !strings.Contains(msg, "exported the generator") {
		t.Fatalf("train: exit %d: %s", code, msg)
	}
	final := filepath.Join(run, train.ExportName)
	meta := readModelMeta(t, final)
	want := map[string]string{models.MetaKind: "conditional-dcgan", models.MetaSteps: "2", models.MetaWeights: "ema",
		models.MetaClassNames: `["cats","dogs"]`, models.MetaVersion: train.Version}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("generator.onnx metadata %s = %q, want %q", k, meta[k], v)
		}
	}
	if d, tail := meta[models.MetaDataset], filepath.Base(filepath.Dir(folder))+"/"+filepath.Base(folder)+" (4 images, "; !strings.HasPrefix(d, tail) {
		t.Errorf("generator.onnx metadata dataset = %q, want %q...", d, tail)
	}

	out := filepath.Join(t.TempDir(), "g.onnx")
	if code, msg := runCLI(t, "export", "--run", run, "-o", out); code != 0 || !strings.Contains(msg, out) {
		t.Fatalf("export: exit %d: %s", code, msg)
	}
	a, _ := os.ReadFile(final)
	b, _ := os.ReadFile(out)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("gan-train export differs from the generator.onnx training wrote")
	}
	if code, msg := runCLI(t, "export", "--run", run, "--raw"); code != 0 {
		t.Fatalf("export --raw: exit %d: %s", code, msg)
	}
	rawPath := filepath.Join(run, "generator-raw.onnx")
	if got := readModelMeta(t, rawPath)[models.MetaWeights]; got != "raw" {
		t.Errorf("--raw export says weights=%q", got)
	}
	checkParity(t, run, rawPath)
	onnxtest.Check(t, final, rawPath)
}

// checkParity runs the exported file through the reference interpreter and
// compares it with the checkpoint's raw generator in Go.
func checkParity(t *testing.T, run, path string) {
	t.Helper()
	g, _, err := train.RunGenerator(run, true)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	m, err := onnx.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	z := tensor.New([]float32{0.5, -1, 0.25, 2, -0.5, 1}, 1, 6)
	z = tensor.Concat(1, z, tensor.Full(0.1, 1, g.Spec.ZDim-6))
	var img *tensor.Tensor
	tensor.NoGrad(func() { img = g.Generate(z, []int{1}) })
	res, err := onnxtest.Run(m, map[string]onnxtest.Value{
		models.InputZ: onnxtest.Floats(z.Data, z.Shape()...), models.InputLabel: onnxtest.Ints([]int64{1}, 1)})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range res[models.OutputImage].F {
		if !approx.Near(float64(v), float64(img.Data[i]), 1e-4) {
			t.Fatalf("image[%d] = %v, the checkpoint's generator gives %v", i, v, img.Data[i])
		}
	}
}

func TestExportCommandErrors(t *testing.T) {
	folder := writeFolder(t, 4, 28)
	run := filepath.Join(t.TempDir(), "run")
	if code, msg := runCLI(t, "--data", folder, "--image-size", "28", "--channels", "1", "--model", "mlp",
		"--steps", "1", "--batch-size", "2", "--threads", "1", "--out", run); code != 0 {
		t.Fatalf("train: exit %d: %s", code, msg)
	}
	damaged := filepath.Join(t.TempDir(), "damaged")
	os.MkdirAll(filepath.Join(damaged, "checkpoints"), 0o755)
	cfg, _ := os.ReadFile(filepath.Join(run, "config.json"))
	os.WriteFile(filepath.Join(damaged, "config.json"), cfg, 0o644)
	ck, _ := os.ReadFile(filepath.Join(run, "checkpoints", "latest.ckpt"))
	ck[len(ck)/3] ^= 0x40
	os.WriteFile(filepath.Join(damaged, "checkpoints", "latest.ckpt"), ck, 0o644)

	target := filepath.Join(t.TempDir(), "out.onnx")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "-o", target}, 2, "needs --run"},
		{[]string{"export", "--run", run, "extra"}, 2, "unexpected argument"},
		{[]string{"export", "--run", run, "--bogus"}, 2, "bogus"},
		{[]string{"export", "--run", "/no/such/run", "-o", target}, 1, "no such run folder"},
		{[]string{"export", "--run", folder, "-o", target}, 1, "not a gogan run folder"},
		{[]string{"export", "--run", damaged, "-o", target}, 1, "checksum mismatch"},
		{[]string{"export", "--run", run, "-o", "/no/such/dir/g.onnx"}, 1, "/no/such/dir/g.onnx"},
	}
	for _, c := range cases {
		code, msg := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(msg, c.want) || strings.Contains(msg, "goroutine ") {
			t.Errorf("gan-train %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, msg, c.code, c.want)
		}
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a failed export left a file behind")
	}
	if ents, _ := os.ReadDir(filepath.Dir(target)); len(ents) != 0 {
		t.Errorf("a failed export left %v behind", ents)
	}
}
