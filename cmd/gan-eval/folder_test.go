package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
)

// writeShapes writes n 16x16 RGBA PNGs per class into dir/<class>: a
// coloured square on a transparent ground that stores green.
func writeShapes(t *testing.T, dir string, classes map[string]color.NRGBA, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 5))
	for name, c := range classes {
		sub := filepath.Join(dir, name)
		os.MkdirAll(sub, 0o755)
		for i := range n {
			img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
			for p := 0; p < len(img.Pix); p += 4 {
				copy(img.Pix[p:], []uint8{0, 255, 0, 0})
			}
			x0, y0, s := rng.IntN(6), rng.IntN(6), 4+rng.IntN(6)
			for y := y0; y < y0+s; y++ {
				for x := x0; x < x0+s; x++ {
					img.SetNRGBA(x, y, c)
				}
			}
			var buf bytes.Buffer
			png.Encode(&buf, img)
			os.WriteFile(filepath.Join(sub, string(rune('a'+i%26))+string(rune('a'+i/26))+".png"), buf.Bytes(), 0o644)
		}
	}
}

// writeRGBRun writes a run folder trained (untrained, here) on folder over
// background, with its exported 16x16 RGB generator named dataset.
func writeRGBRun(t *testing.T, folder, background, dataset string, channels int) string {
	t.Helper()
	cfg := train.DefaultConfig()
	cfg.Data, cfg.Background, cfg.Dataset = folder, background, dataset
	cfg.Model = models.Spec{Kind: "mlp", ZDim: 8, Size: 16, Channels: channels}
	dir := t.TempDir()
	f, _ := os.Create(filepath.Join(dir, "config.json"))
	cfg.WriteJSON(f)
	f.Close()
	g, err := models.NewGenerator(cfg.Model, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := os.Create(filepath.Join(dir, train.ExportName))
	defer o.Close()
	if err := g.ExportONNX(o, map[string]string{models.MetaDataset: dataset, models.MetaSteps: "0", models.MetaVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Scoring an RGB folder model end to end: without --reference-dir it is
// refused; a feature network trained on the labelled folder scores it
// against that folder with the folder's classes; the built-in MNIST
// network scores it too, but with no digit lines.
func TestScoreRGBFolderModel(t *testing.T) {
	needRuntime(t)
	folder := filepath.Join(t.TempDir(), "shapes")
	writeShapes(t, folder, map[string]color.NRGBA{"red": {220, 30, 30, 255}, "blue": {30, 30, 220, 255}, "yellow": {230, 230, 20, 255}}, 16)
	run := writeRGBRun(t, folder, "white", "tmp/shapes (48 images, 0123abcd)", 3)

	for _, args := range [][]string{{"--model", run}, {"compare", run}} {
		code, _, errs := runCLI(t, args...)
		if code != 2 || !strings.Contains(errs, "was trained on tmp/shapes (48 images, 0123abcd) and makes 16x16 RGB images") ||
			!strings.Contains(errs, "pass --reference-dir DIR") {
			t.Errorf("gan-eval %v without --reference-dir: exit %d: %s", args, code, errs)
		}
	}
	// An MNIST-named model of another shape is refused as well.
	odd := writeRGBRun(t, folder, "", "mnist", 1)
	if code, _, errs := runCLI(t, "--model", odd); code != 2 || !strings.Contains(errs, "makes 16x16 gray images") {
		t.Errorf("16x16 model named mnist: exit %d: %s", code, errs)
	}

	feat := filepath.Join(t.TempDir(), "shapes.bin")
	code, _, errs := runCLI(t, "train-features", "--data", folder, "--image-size", "16", "--epochs", "3", "--batch-size", "8", "--test-share", "0.25", "--background", "white", "-o", feat)
	if code != 0 {
		t.Fatalf("train-features: exit %d: %s", code, errs)
	}
	code, out, errs := runCLI(t, append([]string{"--model", run, "--reference-dir", folder, "--features", feat, "--n", "40"}, fastMetrics...)...)
	if code != 0 {
		t.Fatalf("score with the folder network: exit %d: %s", code, errs)
	}
	for _, want := range []string{"feature network: shapes-lenet@", "/shapes (48 images, ", "reference:       " + folder + " (40 of 48 images)",
		"\nclass    share  reference  confidence\nblue  ", "\nred  ", "\nyellow  ", "class perplexity 1.00 of 3 (reference 2.9"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "composited as the run was trained, over white") {
		t.Errorf("stderr does not say the reference was read over the run's background:\n%s", errs)
	}

	// The MNIST network's digits are not the folder's classes: no class lines.
	code, out, errs = runCLI(t, append([]string{"--model", run, "--reference-dir", folder, "--n", "40"}, fastMetrics...)...)
	if code != 0 || strings.Contains(out, "class") || !strings.Contains(out, "FID  ") ||
		!strings.Contains(errs, "no class coverage: the feature network mnist-lenet@") {
		t.Errorf("MNIST network on an RGB folder: exit %d\n%s%s", code, out, errs)
	}
	// Nor does the folder network classify an unlabelled reference.
	flat := filepath.Join(t.TempDir(), "flat")
	writeShapes(t, flat, map[string]color.NRGBA{"only": {220, 30, 30, 255}}, 45)
	code, out, errs = runCLI(t, append([]string{"--model", run, "--reference-dir", flat, "--features", feat, "--n", "40", "--background", "black"}, fastMetrics...)...)
	if code != 0 || strings.Contains(out, "class") || !strings.Contains(errs, "not the reference set's classes (unlabelled)") ||
		strings.Contains(errs, "over white") {
		t.Errorf("folder network on an unlabelled reference: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "--model", run, "--reference-dir", folder, "--background", "grey"); code != 2 || !strings.Contains(errs, `--background "grey"`) {
		t.Errorf("bad --background: exit %d: %s", code, errs)
	}
}
