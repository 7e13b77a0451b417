package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/infer"
)

// TestGanGenNpyRoundTrip: the stacked array `gan-gen --out FILE.npy` writes
// is what gan-eval --npy reads: scored, it gives the scores of sampling the
// same generator on the same seeds inside gan-eval. numpy.load reads it
// too, where python3 has numpy.
func TestGanGenNpyRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short: builds gan-gen")
	}
	needMNIST(t)
	needRuntime(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipping: no go command on PATH to build gan-gen")
	}
	tmp := t.TempDir()
	genBin := filepath.Join(tmp, "gan-gen")
	if out, err := exec.Command(goTool, "build", "-o", genBin, "../gan-gen").CombinedOutput(); err != nil {
		t.Fatalf("building gan-gen: %v\n%s", err, out)
	}
	run := writeGenerator(t)
	const n = 300
	samples := filepath.Join(tmp, "samples.npy")
	if out, err := exec.Command(genBin, "--model", run, "-n", fmt.Sprint(n), "--seed", "0", "--out", samples).CombinedOutput(); err != nil {
		t.Fatalf("gan-gen: %v\n%s", err, out)
	}

	// gan-eval's reader gets image i from seed i, as gan-eval samples it.
	f, err := os.Open(samples)
	if err != nil {
		t.Fatal(err)
	}
	im, err := readNPY(f)
	f.Close()
	if err != nil || im.N != n || im.C != 1 || im.H != 28 || im.W != 28 {
		t.Fatalf("readNPY: (%d,%d,%d,%d), %v; want (%d,1,28,28)", im.N, im.C, im.H, im.W, err, n)
	}
	g, err := infer.Open(filepath.Join(run, "generator.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(i)
	}
	ref, err := g.Generate(t.Context(), infer.Request{Seeds: seeds})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range ref.Data {
		if math.Abs(float64(v-im.Data[i])) > 1e-5 {
			t.Fatalf("value %d (image %d) is %g in the npy, %g from the model", i, i/784, im.Data[i], v)
		}
	}

	score := func(args ...string) (fid, kid float64) {
		t.Helper()
		code, out, errs := runCLI(t, append(append(args, "--n", fmt.Sprint(n), "--json"), fastMetrics...)...)
		if code != 0 {
			t.Fatalf("gan-eval %v: exit %d: %s", args, code, errs)
		}
		var r struct {
			Samples int     `json:"samples"`
			FID     float64 `json:"fid"`
			KID     struct {
				Mean float64 `json:"mean"`
			} `json:"kid"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if r.Samples != n {
			t.Errorf("gan-eval %v scored %d samples; want %d", args, r.Samples, n)
		}
		return r.FID, r.KID.Mean
	}
	fromFile, kidFile := score("--npy", samples)
	fromModel, kidModel := score("--model", run)
	// The same images, up to the runtime's rounding at another batch size.
	if math.IsNaN(fromFile) || math.Abs(fromFile-fromModel) > 1e-3*fromModel || math.Abs(kidFile-kidModel) > 1e-3*math.Abs(kidModel)+1e-6 {
		t.Errorf("gan-gen's npy scores FID %g, KID %g; sampling the model in gan-eval scores FID %g, KID %g", fromFile, kidFile, fromModel, kidModel)
	}

	py := pythonWithNumpy()
	if py == "" {
		t.Log("numpy check skipped: no python3 with numpy (apt install python3-numpy)")
		return
	}
	out, err := exec.Command(py, "-c", `import sys, numpy
a = numpy.load(sys.argv[1])
print(a.dtype, a.shape, float(a.min()) >= -1, float(a.max()) <= 1)`, samples).CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != fmt.Sprintf("float32 (%d, 1, 28, 28) True True", n) {
		t.Errorf("numpy.load: %q, %v", got, err)
	}
}

// pythonWithNumpy returns a python3 that can import numpy, or "".
func pythonWithNumpy() string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import numpy").Run() == nil {
			return p
		}
	}
	return ""
}
