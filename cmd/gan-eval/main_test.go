package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/testenv"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/train/data"
)

// runCLI runs gan-eval with args and returns its exit status and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"gan-eval", "--threads", "2"}[:1], args...), &out, &errb)
	if strings.Contains(errb.String(), "goroutine ") || strings.Contains(errb.String(), "panic:") {
		t.Fatalf("gan-eval %v printed a panic trace:\n%s", args, errb.String())
	}
	return code, out.String(), errb.String()
}

func needMNIST(t *testing.T) {
	t.Helper()
	_, err := data.LoadMNIST(data.DefaultMNISTDir(), "test")
	testenv.Data(t, err)
}

func needRuntime(t *testing.T) {
	t.Helper()
	_, _, err := infer.RuntimeVersion("")
	testenv.Runtime(t, err)
}

// writeGenerator exports an untrained 28x28 gray MLP generator into a run
// folder and returns the folder.
func writeGenerator(t *testing.T) string {
	t.Helper()
	return writeGeneratorClasses(t, nil)
}

// writeGeneratorClasses is writeGenerator for a conditional generator of
// the classes named (unconditional when classes is nil).
func writeGeneratorClasses(t *testing.T, classes []string) string {
	t.Helper()
	g, err := models.NewGenerator(models.Spec{Kind: "mlp", ZDim: 8, Size: 28, Channels: 1, Classes: len(classes)}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{models.MetaDataset: "mnist", models.MetaSteps: "0", models.MetaVersion: "test"}
	if classes != nil {
		b, _ := json.Marshal(classes)
		meta[models.MetaClassNames] = string(b)
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "generator.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := g.ExportONNX(f, meta); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeONNX writes a one-input graph x (N,1,28,28) -> out built by body.
func writeONNX(t *testing.T, name string, outDims []onnx.Dim, body func(g *onnx.Graph, x string) string) string {
	t.Helper()
	g := onnx.NewGraph(name)
	x := g.Input("x", onnx.Float32, onnx.Sym("N"), onnx.Fixed(1), onnx.Fixed(28), onnx.Fixed(28))
	body(g, x)
	g.Output("out", onnx.Float32, outDims...)
	m, err := g.Model(onnx.ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".onnx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := onnx.Write(f, m); err != nil {
		t.Fatal(err)
	}
	return path
}

// writePNGs writes n size x size RGB images into dir/sub (dir when sub
// is "").
func writePNGs(t *testing.T, dir, sub string, n, size int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	d := filepath.Join(dir, sub)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, size, size))
		for p := range img.Pix {
			img.Pix[p] = uint8(rng.IntN(256))
		}
		for y := size / 4; y < 3*size/4; y++ { // a bright square, placed by the class seed
			img.Set(int(seed)%size/2+size/8, y, color.RGBA{255, 255, 255, 255})
		}
		var buf bytes.Buffer
		png.Encode(&buf, img)
		if err := os.WriteFile(filepath.Join(d, string(rune('a'+i%26))+string(rune('a'+i/26))+".png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var fastMetrics = []string{"--kid-subsets", "4", "--kid-subset-size", "100"}

// Scoring a generator prints the table with every metric and the feature
// network's name, or the same in JSON; a run folder stands for its
// generator.onnx, and the scores repeat.
func TestScoreGenerator(t *testing.T) {
	needMNIST(t)
	needRuntime(t)
	run := writeGenerator(t)
	args := append([]string{"--model", run, "--n", "200"}, fastMetrics...)
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"samples:         " + filepath.Join(run, "generator.onnx") + " (mlp, 200 samples, seeds 0-199)",
		"reference:       mnist test (200 of 10000 images)", "feature network: mnist-lenet@", "% test accuracy)",
		"FID  ", "KID  ", " ± ", "precision  ", "recall  ", "\nclass   share  reference  confidence\n0  ", "class perplexity", "verdict: "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	code, js, errs := runCLI(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errs)
	}
	var r struct {
		FeatureNet string  `json:"feature_net"`
		Samples    int     `json:"samples"`
		FID        float64 `json:"fid"`
		KID        struct {
			Mean, Std float64
			Subsets   int `json:"subsets"`
		} `json:"kid"`
		Precision, Recall *float64
		Coverage          struct {
			Share []float64 `json:"share"`
		} `json:"coverage"`
		Verdict struct {
			Collapse *bool  `json:"mode_collapse"`
			Summary  string `json:"summary"`
		} `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, js)
	}
	if !strings.HasPrefix(r.FeatureNet, "mnist-lenet@") || r.Samples != 200 || !(r.FID > 0) || r.KID.Subsets != 4 ||
		r.Precision == nil || r.Recall == nil || len(r.Coverage.Share) != 10 || r.Verdict.Collapse == nil || r.Verdict.Summary == "" {
		t.Errorf("JSON report incomplete: %+v\n%s", r, js)
	}
	if strings.Contains(js, `"conditional"`) || strings.Contains(out, "label accuracy") {
		t.Errorf("an unconditional generator got conditional lines:\n%s%s", out, js)
	}
	if _, again, _ := runCLI(t, append(args, "--json")...); again != js {
		t.Error("the same flags gave another report")
	}
}

// --images scores a folder, converting its images for the network with a
// notice, and uses all of a folder smaller than --n.
func TestScoreImagesFolder(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	writePNGs(t, dir, "", 30, 40, 1)
	code, out, errs := runCLI(t, append([]string{"--images", dir, "--n", "100"}, fastMetrics...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"images are 40x40 RGB (the first one); loaded as 28x28 gray", "holds 30 images, fewer than --n 100"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "(30 of 30 images)") || !strings.Contains(out, "mnist test (30 of 10000 images)") {
		t.Errorf("output:\n%s", out)
	}
}

// An ONNX feature network with a vector output works (features only, no
// coverage); one whose output is an image is refused with a clear error.
func TestONNXFeatureNetwork(t *testing.T) {
	needMNIST(t)
	needRuntime(t)
	rng := rand.New(rand.NewPCG(3, 4))
	w := make([]float32, 784*16)
	for i := range w {
		w[i] = float32(rng.NormFloat64() * 0.05)
	}
	good := writeONNX(t, "proj", []onnx.Dim{onnx.Sym("N"), onnx.Fixed(16)}, func(g *onnx.Graph, x string) string {
		flat := g.Node("Flatten", "flat", []string{x}, onnx.Int("axis", 1))
		return g.Node("MatMul", "out", []string{flat, g.Initializer("w", w, 784, 16)})
	})
	bad := writeONNX(t, "ident", []onnx.Dim{onnx.Sym("N"), onnx.Fixed(1), onnx.Fixed(28), onnx.Fixed(28)}, func(g *onnx.Graph, x string) string {
		return g.Node("Identity", "out", []string{x})
	})
	gen := writeGenerator(t)
	code, out, errs := runCLI(t, append([]string{"--model", gen, "--n", "100", "--features", good}, fastMetrics...)...)
	if code != 0 || !strings.Contains(out, "feature network: proj@") || !strings.Contains(out, "(ONNX)") || strings.Contains(out, "class perplexity") {
		t.Errorf("vector ONNX network: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "--model", gen, "--n", "100", "--features", bad)
	if code != 1 || !strings.Contains(errs, "output out float32 (?,1,28,28); scoring needs one vector per image") {
		t.Errorf("image-output network: exit %d: %s", code, errs)
	}
	code, _, errs = runCLI(t, "--model", gen, "--n", "100", "--features", filepath.Join(gen, "generator.onnx"))
	if code != 1 || !strings.Contains(errs, "want one float32 image input (N,C,H,W); it has z float32 (?,8)") {
		t.Errorf("generator as feature network: exit %d: %s", code, errs)
	}
}

// Bad input ends with a message and status 2 (command line) or 1 (data),
// never a panic trace.
func TestBadInput(t *testing.T) {
	needMNIST(t)
	empty, few, garbage := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "junk.bin")
	writePNGs(t, few, "", 5, 28, 2)
	os.WriteFile(garbage, []byte("this is no network"), 0o644)
	images := t.TempDir()
	writePNGs(t, images, "", 20, 28, 3)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "give --model FILE.onnx"},
		{[]string{"--model", "x.onnx", "--images", empty}, 2, "not both"},
		{[]string{"--images", empty}, 1, "no images in"},
		{[]string{"--images", filepath.Join(empty, "nope")}, 2, "no such folder"},
		{[]string{"--model", filepath.Join(empty, "nope.onnx")}, 2, "no such file or run folder"},
		{[]string{"--model", empty}, 2, "the run folder has no generator.onnx"},
		{[]string{"--model", empty, "--n", "20000"}, 2, "no generator.onnx"},
		{[]string{"--images", images, "--reference-dir", few, "--n", "20"}, 2, "has 5 images, fewer than the 20 samples"},
		{[]string{"--images", images, "--features", garbage}, 2, "neither a gogan feature network"},
		{[]string{"--images", images, "--features", filepath.Join(empty, "x.bin")}, 2, "no such file"},
		{[]string{"--images", images, "--k", "0"}, 2, "--k 0"},
		{[]string{"--images", images, "--n", "3"}, 2, "--n 3"},
		{[]string{"--bogus"}, 2, "flag provided but not defined"},
		{[]string{"stray"}, 2, "unexpected argument"},
		{[]string{"train-features"}, 2, "needs -o FILE"},
		{[]string{"train-features", "--data", images, "-o", filepath.Join(empty, "f.bin")}, 1, "carry no labels"},
		{[]string{"reference", "--n", "20", "--reference-dir", few}, 2, "too few to split"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("gan-eval %v: exit %d, want %d with %q; stderr:\n%s", c.args, code, c.code, c.want, errs)
		}
	}
}

// The reference table orders the floor below noise, and noise below the
// uniform-noise ceiling.
func TestReferenceTable(t *testing.T) {
	needMNIST(t)
	code, out, errs := runCLI(t, append([]string{"reference", "--n", "200"}, fastMetrics...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"real images:     mnist train (200 of 60000 images)", "real, disjoint (floor)", "real + noise σ=0.3", "uniform noise (ceiling)", "mnist-lenet@"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	_, js, _ := runCLI(t, append([]string{"reference", "--n", "200", "--json"}, fastMetrics...)...)
	var tab struct {
		Rows []struct {
			Name string  `json:"name"`
			FID  float64 `json:"fid"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(js), &tab); err != nil || len(tab.Rows) != 5 {
		t.Fatalf("JSON: %v\n%s", err, js)
	}
	for i := 1; i < len(tab.Rows)-1; i++ {
		if tab.Rows[i].FID <= tab.Rows[i-1].FID {
			t.Errorf("%s FID %.3f is not above %s %.3f", tab.Rows[i].Name, tab.Rows[i].FID, tab.Rows[i-1].Name, tab.Rows[i-1].FID)
		}
	}
	if last := tab.Rows[len(tab.Rows)-1]; last.FID <= tab.Rows[0].FID*10 {
		t.Errorf("ceiling %.3f is not far above the floor %.3f", last.FID, tab.Rows[0].FID)
	}
}

// train-features trains on a labelled folder; the file it writes scores
// a folder against a reference folder, and info describes it.
func TestTrainFeaturesFolder(t *testing.T) {
	dir := t.TempDir()
	writePNGs(t, dir, "left", 24, 16, 4)
	writePNGs(t, dir, "right", 24, 16, 9)
	out := filepath.Join(t.TempDir(), "net.bin")
	code, _, errs := runCLI(t, "train-features", "--data", dir, "--image-size", "8", "--channels", "1", "--epochs", "2", "--batch-size", "8", "-o", out)
	if code != 0 || !strings.Contains(errs, "wrote "+out) {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, info, errs := runCLI(t, "info", "--features", out)
	if code != 0 || !strings.Contains(info, "input:     (N,1,8,8)") || !strings.Contains(info, "classes:   2 (left right)") ||
		!strings.Contains(info, "2 epochs of batch 8") {
		t.Errorf("info: exit %d\n%s%s", code, info, errs)
	}
	code, rep, errs := runCLI(t, append([]string{"--images", dir, "--reference-dir", dir, "--features", out, "--n", "20"}, fastMetrics...)...)
	if code != 0 || !strings.Contains(rep, "feature network: "+strings.TrimPrefix(firstLine(info), "name:      ")) || !strings.Contains(rep, "left") {
		t.Errorf("scoring with the folder network: exit %d\n%s%s", code, rep, errs)
	}
	// Without --reference-dir a non-MNIST network has nothing to compare with.
	if code, _, errs = runCLI(t, "--images", dir, "--features", out); code != 2 || !strings.Contains(errs, "give --reference-dir") {
		t.Errorf("no reference for a folder network: exit %d: %s", code, errs)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
