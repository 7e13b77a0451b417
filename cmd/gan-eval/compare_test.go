package main

import (
	"encoding/json"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
)

// writeRun writes a run folder with config.json and the exported,
// untrained generator of cfg's model.
func writeRun(t *testing.T, name string, cfg train.Config, seed uint64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := cfg.WriteJSON(f); err != nil {
		t.Fatal(err)
	}
	g, err := models.NewGenerator(cfg.Model, rand.New(rand.NewPCG(seed, 2)))
	if err != nil {
		t.Fatal(err)
	}
	o, err := os.Create(filepath.Join(dir, train.ExportName))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := g.ExportONNX(o, map[string]string{models.MetaDataset: "mnist", models.MetaSteps: "7", models.MetaVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

type comparedJSON struct {
	Samples int    `json:"samples"`
	Grid    string `json:"grid"`
	Rows    []struct {
		Name      string  `json:"name"`
		Model     string  `json:"model"`
		Steps     int64   `json:"steps"`
		FID       float64 `json:"fid"`
		Precision float64 `json:"precision"`
		KID       *struct {
			Mean float64 `json:"mean"`
		} `json:"kid"`
		Coverage *struct {
			Perplexity float64 `json:"perplexity"`
		} `json:"coverage"`
		Sharpness struct {
			Mean, Std float64
		} `json:"sharpness"`
	} `json:"rows"`
}

// compare scores real images and each run against one reference, in a
// table or JSON that repeats, with FIDs equal to gan-eval's own for a
// single run, and writes one PNG with every run's grid under its name.
func TestCompare(t *testing.T) {
	needMNIST(t)
	needRuntime(t)
	gan := train.DefaultConfig()
	gan.Model = models.Spec{Kind: "mlp", ZDim: 8, Size: 28, Channels: 1}
	vae := train.DefaultConfig().WithVAEDefaults()
	vae.Model.ZDim, vae.Recon = 8, train.ReconL1
	a, b := writeRun(t, "mlp-run", gan, 1), writeRun(t, "vae-run", vae, 2)
	grid := filepath.Join(t.TempDir(), "cmp.png")
	args := append([]string{"compare", "--n", "200", "--grid", grid}, fastMetrics...)
	code, out, errs := runCLI(t, append(args, a, b)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"reference:       mnist test (200 of 10000 images)", "samples:         200 per row, latent seeds 0-199",
		"run      model              steps  FID", "sharpness\n", "\nreal     real images        -  ", "\nmlp-run  mlp nonsaturating  7  ",
		"\nvae-run  vae l1 beta=1      7  ", "grid: " + grid} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	code, js, errs := runCLI(t, append(append(args, "--json"), a, b)...)
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errs)
	}
	var r comparedJSON
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, js)
	}
	if r.Samples != 200 || r.Grid != grid || len(r.Rows) != 3 || r.Rows[0].Name != "real" || r.Rows[0].Steps != -1 || r.Rows[2].Model != "vae l1 beta=1" {
		t.Fatalf("JSON: %+v", r)
	}
	for _, row := range r.Rows {
		if !(row.FID > 0) || row.KID == nil || row.Coverage == nil || !(row.Sharpness.Mean > 0) || !(row.Sharpness.Std > 0) {
			t.Errorf("row %s incomplete: %+v", row.Name, row)
		}
	}
	// Untrained generators are far from the digits the floor row scores.
	if !(r.Rows[0].FID < r.Rows[1].FID/2 && r.Rows[0].FID < r.Rows[2].FID/2) {
		t.Errorf("real FID %v against untrained %v, %v", r.Rows[0].FID, r.Rows[1].FID, r.Rows[2].FID)
	}
	if _, again, _ := runCLI(t, append(append(args, "--json"), a, b)...); again != js {
		t.Error("the same flags gave another comparison")
	}
	_, single, _ := runCLI(t, append([]string{"--model", b, "--n", "200", "--json"}, fastMetrics...)...)
	var s struct{ FID float64 }
	if err := json.Unmarshal([]byte(single), &s); err != nil || s.FID != r.Rows[2].FID {
		t.Errorf("gan-eval --model %s: FID %v (%v); compare gave %v", b, s.FID, err, r.Rows[2].FID)
	}

	f, err := os.Open(grid)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Three 8x8 grids of 28-pixel cells (242 pixels a side) with label
	// strips of 18 and gaps of 8.
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 3*(242+8)+8 || h != 242+18+16 {
		t.Errorf("grid is %dx%d, want %dx%d", w, h, 3*(242+8)+8, 242+18+16)
	}
	for i := range 3 {
		if !hasDark(img, image.Rect(8+i*250, 8, 8+i*250+120, 8+18)) {
			t.Errorf("panel %d has no label", i)
		}
	}
}

func hasDark(img image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g, _, _, _ := img.At(x, y).RGBA(); g < 0x4000 {
				return true
			}
		}
	}
	return false
}

func TestCompareErrors(t *testing.T) {
	run := writeGenerator(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"compare"}, "give the runs to compare"},
		{[]string{"compare", "/no/such/run"}, "no such file or run folder"},
		{[]string{"compare", run, "--n", "10"}, "flag --n after the runs"},
		{[]string{"compare", "--grid-columns", "0", run}, "--grid-columns 0"},
		{[]string{"compare", "--provider", "tpu", run}, "--provider tpu"},
		{[]string{"compare", "--n", "2", run}, "--n 2"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("gan-eval %v: exit %d, %q; want exit 2 mentioning %q", c.args, code, errs, c.want)
		}
	}
}
