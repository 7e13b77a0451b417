package train

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
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// A finished run exports the same bytes live and from its checkpoint; the
// raw export is G in evaluation mode, and the metadata describes the run.
func TestExportRun(t *testing.T) {
	cfg := toyConfig("dcgan", 3)
	cfg.Conditional, cfg.EMA = true, 0.5
	dir := t.TempDir()
	r := trainTo(t, cfg, dir, false)

	var live, saved bytes.Buffer
	if err := r.Export(&live, false); err != nil {
		t.Fatal(err)
	}
	if err := ExportRun(dir, false, &saved); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(live.Bytes(), saved.Bytes()) {
		t.Error("the export from the checkpoint differs from the live run's")
	}
	m, err := onnx.Read(&saved)
	if err != nil {
		t.Fatal(err)
	}
	meta := onnx.Meta(m)
	want := map[string]string{models.MetaDataset: "toy", models.MetaSteps: "3", models.MetaWeights: "ema",
		models.MetaVersion: Version, models.MetaClassNames: `["vertical","horizontal"]`, models.MetaKind: "conditional-dcgan"}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, meta[k], v)
		}
	}

	var raw bytes.Buffer
	if err := ExportRun(dir, true, &raw); err != nil {
		t.Fatal(err)
	}
	m, err = onnx.Read(&raw)
	if err != nil {
		t.Fatal(err)
	}
	if onnx.Meta(m)[models.MetaWeights] != "raw" {
		t.Errorf("raw export says weights=%q", onnx.Meta(m)[models.MetaWeights])
	}
	g := r.GAN.G.(*models.Generator)
	nn.SetTraining(g, false)
	z, labels := r.GAN.Noise(4)
	var img *tensor.Tensor
	tensor.NoGrad(func() { img = g.Generate(z, labels) })
	l := make([]int64, len(labels))
	for i, v := range labels {
		l[i] = int64(v)
	}
	out, err := onnxtest.Run(m, map[string]onnxtest.Value{
		models.InputZ: onnxtest.Floats(z.Data, z.Shape()...), models.InputLabel: onnxtest.Ints(l, len(l))})
	if err != nil {
		t.Fatal(err)
	}
	approx.Check(t, "raw export against G", out[models.OutputImage].F, img.Data, 1e-4)
}

func TestExportRunErrors(t *testing.T) {
	dir := t.TempDir()
	trainTo(t, toyConfig("mlp", 2), dir, false)
	noCkpt := t.TempDir()
	os.WriteFile(filepath.Join(noCkpt, "config.json"), []byte(`{"model":{"kind":"mlp"}}`), 0o644)
	damaged := t.TempDir()
	os.MkdirAll(filepath.Join(damaged, "checkpoints"), 0o755)
	b, _ := os.ReadFile(filepath.Join(dir, "checkpoints", "latest.ckpt"))
	b[len(b)/2] ^= 0xff
	os.WriteFile(filepath.Join(damaged, "checkpoints", "latest.ckpt"), b, 0o644)
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	os.WriteFile(filepath.Join(damaged, "config.json"), cfg, 0o644)
	cases := map[string]string{
		filepath.Join(dir, "nope"): "no such run folder",
		t.TempDir():                "not a gogan run folder",
		noCkpt:                     "no checkpoint yet",
		damaged:                    "checksum mismatch",
	}
	for d, want := range cases {
		if err := ExportRun(d, false, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", d, err, want)
		}
	}
}
