package main

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/infer/pretrained"
)

func TestPNGAndManifest(t *testing.T) {
	needLibrary(t)
	dir := filepath.Join(t.TempDir(), "out")
	_, msg := mustRun(t, "--model", grayModel, "-n", "5", "--seed", "40", "--batch", "2", "--out", dir)
	lines := readManifest(t, dir)
	want := []string{"file,seed,label", "000000.png,40,", "000001.png,41,", "000002.png,42,", "000003.png,43,", "000004.png,44,"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("manifest:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 6 {
		t.Errorf("%d files in --out; want 5 images and the manifest", len(entries))
	}
	g, err := infer.Open(grayModel)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ref, err := g.Generate(t.Context(), infer.Request{Seeds: []uint64{42}})
	if err != nil {
		t.Fatal(err)
	}
	img, ok := decodeFile(t, filepath.Join(dir, "000002.png")).(*image.Gray)
	if !ok || img.Bounds().Dx() != 8 || !bytes.Equal(img.Pix, ref.Image(0).(*image.Gray).Pix) {
		t.Errorf("000002.png is not seed 42's image from infer")
	}
	if strings.Contains(msg, "\r") || !strings.Contains(msg, "wrote 5 png images to "+dir) {
		t.Errorf("stderr is not a terminal, so plain lines and a summary are wanted:\n%q", msg)
	}
}

// TestBatchInvariance: image i is the same whatever --batch is.
func TestBatchInvariance(t *testing.T) {
	needLibrary(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	mustRun(t, "--model", condModel, "-n", "10", "--batch", "3", "--out", a)
	mustRun(t, "--model", condModel, "-n", "10", "--batch", "7", "--out", b)
	for i := 0; i < 10; i++ {
		name := infer.FileName(i, 10, "png")
		x := decodeFile(t, filepath.Join(a, name)).(*image.RGBA)
		y := decodeFile(t, filepath.Join(b, name)).(*image.RGBA)
		for j := range x.Pix {
			if d := int(x.Pix[j]) - int(y.Pix[j]); d < -1 || d > 1 {
				t.Fatalf("%s: byte %d is %d at --batch 3 and %d at --batch 7", name, j, x.Pix[j], y.Pix[j])
			}
		}
	}
	if ma, mb := readManifest(t, a), readManifest(t, b); strings.Join(ma, "\n") != strings.Join(mb, "\n") {
		t.Errorf("manifests differ:\n%v\n%v", ma, mb)
	}
}

// TestSeedOffset: image i uses seed S+i, so overlapping seed ranges share
// images.
func TestSeedOffset(t *testing.T) {
	needLibrary(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	mustRun(t, "--model", grayModel, "-n", "2", "--seed", "10", "--out", a)
	mustRun(t, "--model", grayModel, "-n", "4", "--seed", "8", "--out", b)
	x, _ := os.ReadFile(filepath.Join(a, "000001.png"))
	y, _ := os.ReadFile(filepath.Join(b, "000003.png"))
	z, _ := os.ReadFile(filepath.Join(b, "000002.png"))
	if !bytes.Equal(x, y) || bytes.Equal(x, z) {
		t.Error("seed 11's image differs between runs, or seeds 10 and 11 look the same")
	}
}

func TestJPEGAndNpy(t *testing.T) {
	needLibrary(t)
	dir := t.TempDir()
	jp, npy := filepath.Join(dir, "jpeg"), filepath.Join(dir, "npy")
	mustRun(t, "--model", condModel, "-n", "3", "--format", "jpeg", "--quality", "95", "--label", "bird", "--out", jp)
	for i := 0; i < 3; i++ {
		f, _ := os.Open(filepath.Join(jp, infer.FileName(i, 3, "jpg")))
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != 8 {
			t.Fatalf("jpeg %d: %v", i, err)
		}
	}
	if l := readManifest(t, jp); l[1] != "000000.jpg,0,2" || l[3] != "000002.jpg,2,2" {
		t.Errorf("--label bird manifest %v; want label 2 throughout", l)
	}
	mustRun(t, "--model", condModel, "-n", "3", "--seed", "5", "--format", "npy", "--out", npy)
	g, err := infer.Open(condModel)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ref, err := g.Generate(t.Context(), infer.Request{Seeds: []uint64{5, 6, 7}, Labels: []int{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	shape, _ := readNpy(t, filepath.Join(npy, stackedName))
	if fmt.Sprint(shape) != "[3 3 8 8]" {
		t.Fatalf("npy shape %v; want (3,3,8,8)", shape)
	}
	for i := 0; i < 3; i++ {
		if fmt.Sprint(stackedImage(t, npy, i)) != fmt.Sprint(ref.Tensor(i)) {
			t.Errorf("npy image %d is not infer's raw tensor for seed %d, label %d", i, 5+i, i)
		}
	}
	if l := readManifest(t, npy); strings.Join(l, " ") != "index,seed,label 0,5,0 1,6,1 2,7,2" {
		t.Errorf("npy manifest %v; want index, seed and label per image", l)
	}
}

// readNpy parses a version 1.0 little-endian float32 .npy file.
func readNpy(t *testing.T, path string) ([]int, []float32) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[:8]) != "\x93NUMPY\x01\x00" {
		t.Fatalf("%s: not a version 1.0 .npy file", path)
	}
	hl := int(binary.LittleEndian.Uint16(b[8:]))
	if (10+hl)%64 != 0 {
		t.Errorf("%s: data starts at %d, not on a 64-byte boundary", path, 10+hl)
	}
	header := string(b[10 : 10+hl])
	m := regexp.MustCompile(`^\{'descr': '<f4', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$`).FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("%s: header %q", path, header)
	}
	var shape []int
	n := 1
	for _, s := range strings.Split(m[1], ",") {
		if s = strings.TrimSpace(s); s != "" {
			d, _ := strconv.Atoi(s)
			shape, n = append(shape, d), n*d
		}
	}
	body := b[10+hl:]
	if len(body) != 4*n {
		t.Fatalf("%s: %d data bytes for shape %v", path, len(body), shape)
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return shape, data
}

func TestTarToStdout(t *testing.T) {
	needLibrary(t)
	out, _ := mustRun(t, "--model", grayModel, "-n", "4", "--out", "-")
	tr := tar.NewReader(bytes.NewReader(out))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		body, _ := io.ReadAll(tr)
		if strings.HasSuffix(h.Name, ".png") {
			if _, err := png.Decode(bytes.NewReader(body)); err != nil {
				t.Errorf("%s: %v", h.Name, err)
			}
		} else if !strings.HasPrefix(string(body), "file,seed,label\n000000.png,0,\n") {
			t.Errorf("manifest in the tar: %q", body)
		}
	}
	if strings.Join(names, " ") != "000000.png 000001.png 000002.png 000003.png manifest.csv" {
		t.Errorf("tar entries %v; want the images in order, then manifest.csv", names)
	}
}

func TestGridAndInterpolation(t *testing.T) {
	needLibrary(t)
	dir := t.TempDir()
	grid := filepath.Join(dir, "sheet.png")
	_, msg := mustRun(t, "--model", condModel, "-n", "10", "--grid", grid)
	// 10 cells of 8x8 in 4 columns and 3 rows, 2-pixel borders.
	if b := decodeFile(t, grid).Bounds(); b.Dx() != 4*10+2 || b.Dy() != 3*10+2 {
		t.Errorf("grid is %dx%d; want 42x32", b.Dx(), b.Dy())
	}
	if !strings.Contains(msg, "grid of 10") {
		t.Errorf("stderr %q does not mention the grid", msg)
	}
	out := filepath.Join(dir, "walk")
	mustRun(t, "--model", grayModel, "--interpolate", "5", "-n", "3", "--slerp", "--out", out)
	// 2 legs of 5 steps plus the last seed: 11 frames; grid rows show both ends.
	if b := decodeFile(t, filepath.Join(out, "interpolation.png")).Bounds(); b.Dx() != 6*10+2 || b.Dy() != 2*10+2 {
		t.Errorf("interpolation grid is %dx%d; want 62x22", b.Dx(), b.Dy())
	}
	f, err := os.Open(filepath.Join(out, "interpolation.gif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anim, err := gif.DecodeAll(f)
	if err != nil || len(anim.Image) != 11 {
		t.Fatalf("gif: %v, %d frames; want 11", err, len(anim.Image))
	}
	// The walk starts at seed 0's image and ends at seed 2's.
	seedImg := func(seed string) []uint8 {
		d := filepath.Join(dir, "seed"+seed)
		mustRun(t, "--model", grayModel, "-n", "1", "--seed", seed, "--out", d)
		return decodeFile(t, filepath.Join(d, "000000.png")).(*image.Gray).Pix
	}
	for _, c := range []struct {
		frame int
		seed  string
	}{{0, "0"}, {10, "2"}} {
		fr := anim.Image[c.frame]
		for j, p := range seedImg(c.seed) {
			if r, _, _, _ := fr.Palette[fr.Pix[j]].RGBA(); uint8(r>>8) != p {
				t.Fatalf("gif frame %d differs from seed %s's image at pixel %d", c.frame, c.seed, j)
			}
		}
	}
}

func TestLabelsCycle(t *testing.T) {
	needLibrary(t)
	dir := filepath.Join(t.TempDir(), "out")
	mustRun(t, "--model", condModel, "-n", "4", "--out", dir)
	if l := readManifest(t, dir); l[1] != "000000.png,0,0" || l[2] != "000001.png,1,1" || l[3] != "000002.png,2,2" || l[4] != "000003.png,3,0" {
		t.Errorf("without --label the classes should cycle: %v", l)
	}
}

// TestBuiltinModel: without --model, the built-in model (infer/pretrained)
// is used when there is one.
func TestBuiltinModel(t *testing.T) {
	b, err := os.ReadFile(grayModel)
	if err != nil {
		t.Fatal(err)
	}
	saved := builtin
	defer func() { builtin = saved }()
	builtin = b
	out, _ := mustRun(t, "info")
	if !strings.Contains(string(out), pretrained.Name) || !strings.Contains(string(out), "kind:          mlp") {
		t.Errorf("info without --model:\n%s", out)
	}
	needLibrary(t)
	dir := filepath.Join(t.TempDir(), "out")
	mustRun(t, "-n", "2", "--out", dir)
	if l := readManifest(t, dir); len(l) != 3 {
		t.Errorf("manifest %v", l)
	}
}

func TestInfo(t *testing.T) {
	out, _ := mustRun(t, "info", "--model", condModel)
	for _, w := range []string{"conditional-mlp", "cat, dog, bird", "z float32 (N,8)", "onnxruntime:"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("info output lacks %q:\n%s", w, out)
		}
	}
	if code, _, msg := runCLI(t, "info", "--model", classifier); code != 2 || !strings.Contains(msg, "not a generator") {
		t.Errorf("info on a classifier: exit %d, %q", code, msg)
	}
}

// TestInfoJSON: info --json is one object with the metadata under
// gan-train's names; --model takes a run folder as gan-eval does.
func TestInfoJSON(t *testing.T) {
	run := t.TempDir()
	b, err := os.ReadFile(condModel)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(run, exportName), b, 0o644)
	out, _ := mustRun(t, "info", "--json", "--model", run)
	var got struct {
		Model       string            `json:"model"`
		Kind        string            `json:"kind"`
		ZDim        int               `json:"z_dim"`
		Height      int               `json:"height"`
		Channels    int               `json:"channels"`
		Conditional bool              `json:"conditional"`
		Classes     []string          `json:"classes"`
		Metadata    map[string]string `json:"metadata"`
		Runtime     map[string]string `json:"onnxruntime"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("info --json: %v\n%s", err, out)
	}
	if got.Model != filepath.Join(run, exportName) || got.Kind != "conditional-mlp" || got.ZDim != 8 || got.Height != 8 ||
		got.Channels != 3 || !got.Conditional || strings.Join(got.Classes, ",") != "cat,dog,bird" || got.Metadata["kind"] != "conditional-mlp" {
		t.Errorf("info --json: %+v", got)
	}
	if got.Runtime["version"] == "" && got.Runtime["error"] == "" {
		t.Errorf("info --json says nothing of onnxruntime: %v", got.Runtime)
	}
	out, _ = mustRun(t, "info", "--json", "--model", grayModel)
	if !strings.Contains(string(out), `"classes": []`) {
		t.Errorf("unconditional model: want \"classes\": [], got\n%s", out)
	}
	empty := t.TempDir()
	if code, _, msg := runCLI(t, "-n", "1", "--grid", filepath.Join(empty, "g.png"), "--model", empty); code != 2 || !strings.Contains(msg, "the run folder has no generator.onnx") {
		t.Errorf("--model EMPTY_DIR: exit %d, %q", code, msg)
	}
	needLibrary(t)
	dir := filepath.Join(t.TempDir(), "out")
	mustRun(t, "--model", run, "-n", "2", "--out", dir)
	if l := readManifest(t, dir); len(l) != 3 {
		t.Errorf("--model RUN_DIR: manifest %v", l)
	}
}

func TestProviderFallbackCLI(t *testing.T) {
	needLibrary(t)
	_, lib, _ := infer.RuntimeVersion("")
	if _, err := os.Stat(filepath.Join(filepath.Dir(lib), "libonnxruntime_providers_shared.so")); err == nil {
		t.Skip("the loaded onnxruntime has GPU provider libraries")
	}
	dir := filepath.Join(t.TempDir(), "out")
	_, msg := mustRun(t, "--model", grayModel, "-n", "2", "--provider", "cuda", "--out", dir)
	if !strings.Contains(msg, "warning: provider cuda unavailable") || !strings.Contains(msg, "libonnxruntime_providers_shared.so") || !strings.Contains(msg, "on cpu") {
		t.Errorf("fallback not explained:\n%s", msg)
	}
	code, _, msg := runCLI(t, "--model", grayModel, "-n", "2", "--provider", "cuda", "--strict-provider", "--grid", filepath.Join(t.TempDir(), "g.png"))
	if code != 1 || !strings.Contains(msg, "provider cuda unavailable") {
		t.Errorf("--strict-provider: exit %d, %q", code, msg)
	}
}
