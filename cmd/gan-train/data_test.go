package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
)

// writeHiddenFolder writes n 16x16 RGBA PNGs into dir/sprites/rgba: a
// transparent left half that stores red, an opaque blue right half.
func writeHiddenFolder(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sprites", "rgba")
	os.MkdirAll(dir, 0o755)
	for i := range n {
		img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
		for y := range 16 {
			for x := range 16 {
				c := color.NRGBA{255, 0, 0, 0}
				if x >= 8 {
					c = color.NRGBA{0, 0, uint8(100 + 10*i), 255}
				}
				img.SetNRGBA(x, y, c)
			}
		}
		var buf bytes.Buffer
		png.Encode(&buf, img)
		os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".png"), buf.Bytes(), 0o644)
	}
	return dir
}

// Training on a folder prints one line saying what was read, records it
// and --background in config.json, and names the data by --name, or by
// its folder, count and hash; project composites its images the same way.
func TestBackgroundNameSummary(t *testing.T) {
	folder := writeHiddenFolder(t, 4)
	run := filepath.Join(t.TempDir(), "run")
	base := []string{"--data", folder, "--image-size", "16", "--model", "mlp", "--steps", "1", "--batch-size", "2", "--threads", "1"}
	code, msg := runCLI(t, append(base, "--background", "#FFFFFF", "--out", run)...)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, msg)
	}
	cfg, err := train.ReadConfig(filepath.Join(run, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	summary := "data: " + cfg.Dataset + ": png 4 (rgba 4); 4 with transparency, composited over white; 0 resized to 16x16; unlabelled\n"
	if !strings.HasPrefix(cfg.Dataset, "sprites/rgba (4 images, ") || !strings.Contains(msg, summary) ||
		!strings.Contains(msg, "training mlp on "+cfg.Dataset+" for 1 steps") {
		t.Errorf("dataset %q; stderr:\n%s", cfg.Dataset, msg)
	}
	if cfg.Background != "white" || cfg.DataReport == nil || cfg.DataReport.Transparent != 4 || cfg.DataReport.Formats["png"] != 4 {
		t.Errorf("config.json: background %q, report %+v", cfg.Background, cfg.DataReport)
	}
	raw, _ := os.ReadFile(filepath.Join(run, "config.json"))
	if !bytes.Contains(raw, []byte(`"data_report": {`)) {
		t.Errorf("config.json lacks the data report:\n%s", raw)
	}
	if d := readModelMeta(t, filepath.Join(run, train.ExportName))[models.MetaDataset]; d != cfg.Dataset {
		t.Errorf("export names the data %q, config %q", d, cfg.Dataset)
	}

	// project reads its images over the run's background unless told otherwise.
	img := filepath.Join(folder, "a.png")
	for _, c := range []struct {
		flags []string
		want  color.RGBA
	}{{nil, color.RGBA{255, 255, 255, 255}}, {[]string{"--background", "#204060"}, color.RGBA{0x20, 0x40, 0x60, 255}}} {
		out := filepath.Join(t.TempDir(), "proj")
		args := append(append([]string{"project", "--run", run, "--out", out, "--steps", "1", "--restarts", "1", "--threads", "1"}, c.flags...), img)
		if code, msg := runCLI(t, args...); code != 0 {
			t.Fatalf("project %v: exit %d: %s", c.flags, code, msg)
		}
		// compare.png shows the target first, inside a 2-pixel border.
		if got := color.RGBAModel.Convert(readPNG(t, filepath.Join(out, "compare.png")).At(2, 2)); got != c.want {
			t.Errorf("project %v: transparent target pixel %v, want %v", c.flags, got, c.want)
		}
	}

	named := filepath.Join(t.TempDir(), "named")
	if code, msg := runCLI(t, append(base, "--name", "my sprites", "--out", named)...); code != 0 {
		t.Fatalf("--name: exit %d: %s", code, msg)
	}
	var saved struct {
		Dataset    string `json:"dataset"`
		Background string `json:"background"`
	}
	b, _ := os.ReadFile(filepath.Join(named, "config.json"))
	json.Unmarshal(b, &saved)
	if saved.Dataset != "my sprites" || saved.Background != "black" {
		t.Errorf("--name run: dataset %q, background %q (want the default black)", saved.Dataset, saved.Background)
	}
	if d := readModelMeta(t, filepath.Join(named, train.ExportName))[models.MetaDataset]; d != "my sprites" {
		t.Errorf("--name: export names the data %q", d)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{append(base, "--background", "grey", "--out", filepath.Join(t.TempDir(), "x")), `--background "grey": want black, white, #rrggbb`},
		{append(base, "--name", "MNIST", "--out", filepath.Join(t.TempDir(), "x")), "--name MNIST: that name means the MNIST set"},
		{[]string{"--background", "white", "--steps", "1"}, "--background applies to a folder"},
		{[]string{"--name", "digits", "--steps", "1"}, "--name applies to a folder"},
		{[]string{"--resume", run, "--background", "black"}, "--background black differs from the saved run's --background white"},
		{[]string{"--resume", run, "--name", "other"}, "--name other differs from the saved run's --name sprites/rgba (4 images, "},
	} {
		if code, msg := runCLI(t, c.args...); code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("gan-train %v: exit %d, want 2 with %q: %s", c.args, code, c.want, msg)
		}
	}
}
