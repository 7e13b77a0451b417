package train

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/data"
)

// writeHidden writes n 28x28 gray-on-transparent PNGs to dir whose
// transparent pixels store white.
func writeHidden(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, 28, 28))
		for p := 0; p < len(img.Pix); p += 4 {
			copy(img.Pix[p:], []uint8{255, 255, 255, 0})
		}
		for y := 10; y < 18; y++ {
			img.SetNRGBA(i%20+4, y, color.NRGBA{200, 200, 200, 255})
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A config from before backgrounds and dataset names reads as it did: a
// folder with alpha ignored and the folder's base name in exports. A new
// run composites, records the data's name and the loader's report in
// config.json, and exports the name; resuming on changed files notes it.
func TestDataNameAndBackground(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "sprites", "gray")
	writeHidden(t, dir, 16)
	old := []byte(`{"data": "` + dir + `", "model": {"kind": "mlp", "z_dim": 16, "image_size": 28, "channels": 1}}`)
	oldPath := filepath.Join(root, "old.json")
	os.WriteFile(oldPath, old, 0o644)
	cfg, err := ReadConfig(oldPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Background != "" || cfg.Dataset != "" || cfg.DataReport != nil || datasetName(cfg) != "gray" {
		t.Errorf("old config read as background %q, dataset %q, report %v, export name %q", cfg.Background, cfg.Dataset, cfg.DataReport, datasetName(cfg))
	}
	ds, err := LoadData(cfg, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if v := ds.(*data.Images).Pix(0)[0]; v != 255 {
		t.Errorf("old config: transparent pixel read as %d, want the stored 255 (alpha ignored, as before)", v)
	}

	cfg = toyConfig("mlp", 2)
	cfg.Data, cfg.Background = dir, "black"
	ds, err = LoadData(cfg, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if v := ds.(*data.Images).Pix(0)[0]; v != 0 {
		t.Errorf("--background black: transparent pixel read as %d, want 0", v)
	}
	out := filepath.Join(root, "run")
	r, err := Start(cfg, ds, RunOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	saved, err := ReadConfig(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(saved.Dataset, "sprites/gray (16 images, ") || saved.DataReport == nil || saved.DataReport.Transparent != 16 ||
		saved.DataReport.Background != "black" || saved.Background != "black" {
		t.Errorf("config.json: dataset %q, report %+v", saved.Dataset, saved.DataReport)
	}
	if m := exportMeta(saved, 2, "raw"); m[models.MetaDataset] != saved.Dataset || strings.Contains(m[models.MetaDataset], root) {
		t.Errorf("export names the data %q", m[models.MetaDataset])
	}

	// Resuming keeps the name; changed files are noted.
	writeHidden(t, filepath.Join(dir, "more"), 1)
	ds, err = LoadData(saved, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	r, err = Start(saved, ds, RunOptions{Out: out, Resume: true, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if r.Cfg.Dataset != saved.Dataset || !strings.Contains(log.String(), "the folder's files changed since the run started") {
		t.Errorf("resumed on changed files: dataset %q (was %q), log %q", r.Cfg.Dataset, saved.Dataset, log.String())
	}

	cfg.Background = "grey"
	if _, err := LoadData(cfg, func(string) {}); err == nil || !strings.Contains(err.Error(), "background \"grey\"") {
		t.Errorf("bad background: %v", err)
	}
}
