package infer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/internal/testenv"
)

const (
	grayModel  = "testdata/gen_gray.onnx"
	condModel  = "testdata/gen_cond.onnx"
	fixedModel = "testdata/gen_fixed.onnx"
	benchModel = "testdata/gen_bench.onnx"
	classifier = "testdata/classifier.onnx"
)

// needLibrary skips the test when the onnxruntime library cannot be found
// on a machine without it, and fails it where it is required (testenv).
func needLibrary(t testing.TB) {
	t.Helper()
	_, err := loadLibrary("")
	testenv.Runtime(t, err)
}

func openTest(t testing.TB, path string, opts ...Option) *Generator {
	t.Helper()
	needLibrary(t)
	g, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func seeds(from, n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = uint64(from + i)
	}
	return s
}

func TestReadInfo(t *testing.T) {
	b, err := os.ReadFile(condModel)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ReadInfo(b, condModel)
	if err != nil {
		t.Fatal(err)
	}
	want := Info{Kind: "conditional-mlp", ZDim: 8, Size: 8, Width: 8, Channels: 3, Conditional: true,
		Dataset: "fixture", Steps: 1234, Version: "0.0.0-test", ValueRange: [2]float64{-1, 1}}
	if in.Kind != want.Kind || in.ZDim != want.ZDim || in.Size != want.Size || in.Width != want.Width ||
		in.Channels != want.Channels || !in.Conditional || in.Dataset != want.Dataset || in.Steps != want.Steps ||
		in.Version != want.Version || in.ValueRange != want.ValueRange {
		t.Errorf("info = %+v\nwant %+v", in, want)
	}
	if strings.Join(in.Classes, ",") != "cat,dog,bird" {
		t.Errorf("classes = %q", in.Classes)
	}
	if in.Raw["class_names"] != `["cat", "dog", "bird"]` {
		t.Errorf("raw class_names = %q", in.Raw["class_names"])
	}
	if got := strings.Join(in.Inputs, "; "); got != "z float32 (N,8); label int64 (N)" {
		t.Errorf("inputs = %q", got)
	}
	s := in.String()
	for _, w := range []string{"conditional-mlp", "3: cat, dog, bird", "8x8, 3 channel(s)", "0.0.0-test", "image float32 (N,3,8,8)"} {
		if !strings.Contains(s, w) {
			t.Errorf("Info.String() lacks %q:\n%s", w, s)
		}
	}
	b, _ = os.ReadFile(grayModel)
	if in, err = ReadInfo(b, grayModel); err != nil || in.Conditional || in.Classes != nil || in.Channels != 1 {
		t.Errorf("gray info = %+v, %v", in, err)
	}
}

// TestRejectsBadModels needs no runtime library: the file is checked first.
func TestRejectsBadModels(t *testing.T) {
	gray, _ := os.ReadFile(grayModel)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		path string
		want []string
	}{
		{classifier, []string{classifier, "not a generator", "input float32 (N,1,28,28)", "logits float32 (N,10)"}},
		{filepath.Join(dir, "missing.onnx"), []string{"missing.onnx", "no such file"}},
		{write("empty.onnx", nil), []string{"empty.onnx", "empty"}},
		{write("half.onnx", gray[:len(gray)/2]), []string{"half.onnx", "truncated"}},
		{write("text.onnx", []byte("this is not a model\n")), []string{"text.onnx", "not an ONNX model"}},
	}
	for _, c := range cases {
		_, err := Open(c.path)
		var me *ModelError
		if !errors.As(err, &me) {
			t.Errorf("Open(%s) = %v; want a *ModelError", c.path, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open(%s) error %q does not mention %q", c.path, err, w)
			}
		}
	}
}

// TestTruncatedAnywhere cuts the model at every byte: no prefix may pass
// for a generator.
func TestTruncatedAnywhere(t *testing.T) {
	b, _ := os.ReadFile(condModel)
	for n := 0; n < len(b); n++ {
		if _, err := ReadInfo(b[:n], "cut.onnx"); err == nil {
			t.Fatalf("the first %d of %d bytes were accepted as a generator", n, len(b))
		}
	}
}

func TestShapeAndRange(t *testing.T) {
	for _, path := range []string{grayModel, condModel} {
		g := openTest(t, path)
		in := g.Info()
		req := Request{Seeds: seeds(0, 5)}
		if in.Conditional {
			req.Labels = []int{2}
		}
		b, err := g.Generate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if b.Shape != [4]int{5, in.Channels, 8, 8} || len(b.Data) != 5*in.Channels*64 || b.Len() != 5 {
			t.Fatalf("%s: shape %v, %d values", path, b.Shape, len(b.Data))
		}
		lo, hi := float32(1), float32(-1)
		for _, v := range b.Data {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo < -1 || hi > 1 || hi-lo < 1 {
			t.Errorf("%s: values span [%g,%g]; want a good part of [-1,1]", path, lo, hi)
		}
		img := b.Image(4)
		if img.Bounds() != image.Rect(0, 0, 8, 8) {
			t.Errorf("%s: image bounds %v", path, img.Bounds())
		}
		switch img.(type) {
		case *image.Gray:
			if in.Channels != 1 {
				t.Errorf("%s: gray image for %d channels", path, in.Channels)
			}
		case *image.RGBA:
			if in.Channels != 3 {
				t.Errorf("%s: RGBA image for %d channels", path, in.Channels)
			}
		default:
			t.Errorf("%s: image type %T", path, img)
		}
		if in.Conditional && (len(b.Labels) != 5 || b.Labels[3] != 2) {
			t.Errorf("labels = %v; want the single label for all", b.Labels)
		}
	}
}

// TestMatchesReference computes tanh(z·W + b) (with the class embedding
// for the conditional model) from the fixture's own weights in float64 and
// compares it with onnxruntime's output, through Generate's batching,
// padding and layout.
func TestMatchesReference(t *testing.T) {
	for _, c := range []struct {
		path     string
		maxBatch int
		labels   []int
	}{
		{grayModel, 1024, nil},
		{grayModel, 3, nil},     // 7 seeds: runs of 3, 3, 1
		{fixedModel, 1024, nil}, // fixed batch 4: runs of 4 and 4 padded
		{condModel, 2, []int{0, 1, 2, 1, 0, 2, 2}},
	} {
		g := openTest(t, c.path, WithMaxBatch(c.maxBatch))
		ref := loadReference(t, c.path)
		s := seeds(100, 7)
		b, err := g.Generate(context.Background(), Request{Seeds: s, Labels: c.labels})
		if err != nil {
			t.Fatal(err)
		}
		for i := range s {
			label := -1
			if c.labels != nil {
				label = c.labels[i]
			}
			want := ref.forward(Latent(s[i], 8, 0), label)
			approx.Check(t, fmt.Sprintf("%s (max batch %d) image %d: onnxruntime against the reference", c.path, c.maxBatch, i),
				b.Tensor(i), want, 1e-5)
		}
	}
}

func TestBatchSizeInvariance(t *testing.T) {
	s := seeds(7, 10)
	var outs [][]float32
	for _, mb := range []int{10, 3, 7, 1} {
		g := openTest(t, grayModel, WithMaxBatch(mb))
		b, err := g.Generate(context.Background(), Request{Seeds: s})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b.Data)
	}
	// One seed at a time, in reverse: image i depends on seed i only.
	g := openTest(t, grayModel)
	single := make([]float32, 0, len(outs[0]))
	for i := len(s) - 1; i >= 0; i-- {
		b, err := g.Generate(context.Background(), Request{Seeds: s[i : i+1]})
		if err != nil {
			t.Fatal(err)
		}
		single = append(b.Data, single...)
	}
	outs = append(outs, single)
	for k, o := range outs[1:] {
		approx.Check(t, fmt.Sprintf("run %d against the whole batch", k+1), o, outs[0], 1e-6)
	}
}

func TestSeedsDeterministic(t *testing.T) {
	g := openTest(t, grayModel)
	a, _ := g.Generate(context.Background(), Request{Seeds: []uint64{1, 2}})
	b, _ := g.Generate(context.Background(), Request{Seeds: []uint64{1, 2}})
	c, _ := g.Generate(context.Background(), Request{Seeds: []uint64{2, 1}})
	if fmt.Sprint(a.Data) != fmt.Sprint(b.Data) {
		t.Error("the same seeds gave different images")
	}
	if fmt.Sprint(a.Tensor(0)) != fmt.Sprint(c.Tensor(1)) || fmt.Sprint(a.Tensor(0)) == fmt.Sprint(a.Tensor(1)) {
		t.Error("image for a seed depends on its position, or two seeds gave the same image")
	}
	// Given latents reproduce the seeded images.
	d, err := g.Generate(context.Background(), Request{Latents: [][]float32{Latent(1, 8, 0), Latent(2, 8, 0)}})
	if err != nil || fmt.Sprint(d.Data) != fmt.Sprint(a.Data) {
		t.Errorf("Latents of the seeds differ from the seeds' images (%v)", err)
	}
	e, err := g.Generate(context.Background(), Request{Z: append(Latent(1, 8, 0), Latent(2, 8, 0)...)})
	if err != nil || fmt.Sprint(e.Data) != fmt.Sprint(a.Data) {
		t.Errorf("flat Z of the seeds differs from the seeds' images (%v)", err)
	}
}

func TestLabels(t *testing.T) {
	g := openTest(t, condModel)
	ctx := context.Background()
	a, err := g.Generate(ctx, Request{Seeds: []uint64{5, 5}, Labels: []int{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Tensor(0)) == fmt.Sprint(a.Tensor(1)) {
		t.Error("labels 0 and 1 gave the same image for one seed")
	}
	bad := []struct {
		req  Request
		want string
	}{
		{Request{Seeds: seeds(0, 2), Labels: []int{3}}, "3 classes, 0-2 (cat, dog, bird)"},
		{Request{Seeds: seeds(0, 2), Labels: []int{-1}}, "label -1"},
		{Request{Seeds: seeds(0, 2)}, "conditional"},
		{Request{Seeds: seeds(0, 3), Labels: []int{0, 1}}, "one label per image"},
	}
	for _, c := range bad {
		if _, err := g.Generate(ctx, c.req); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Generate(%+v) = %v; want an error mentioning %q", c.req, err, c.want)
		}
	}
	gray := openTest(t, grayModel)
	if _, err := gray.Generate(ctx, Request{Seeds: seeds(0, 1), Labels: []int{0}}); err == nil || !strings.Contains(err.Error(), "not a conditional model") {
		t.Errorf("labels on an unconditional model: %v", err)
	}
}

func TestBadRequests(t *testing.T) {
	g := openTest(t, grayModel)
	ctx := context.Background()
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{}, "exactly one of"},
		{Request{Seeds: seeds(0, 1), Z: make([]float32, 8)}, "exactly one of"},
		{Request{Latents: [][]float32{make([]float32, 7)}}, "z_dim is 8"},
		{Request{Z: make([]float32, 12)}, "multiple of"},
		{Request{Seeds: seeds(0, 1), Truncation: -1}, "truncation -1"},
		{Request{Z: make([]float32, 8), Truncation: 1}, "applies to Seeds"},
	} {
		if _, err := g.Generate(ctx, c.req); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Generate(%+v) = %v; want an error mentioning %q", c.req, err, c.want)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.Generate(cancelled, Request{Seeds: seeds(0, 2)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate on a cancelled context = %v", err)
	}
	g.Close()
	if _, err := g.Generate(ctx, Request{Seeds: seeds(0, 1)}); err == nil {
		t.Error("Generate after Close succeeded")
	}
}

func TestProviderFallback(t *testing.T) {
	needLibrary(t)
	if _, err := os.Stat(filepath.Join(filepath.Dir(env.path), "libonnxruntime_providers_shared.so")); err == nil {
		t.Skip("the loaded onnxruntime has GPU provider libraries; the CPU-only fallback is not exercised")
	}
	var logged []string
	g := openTest(t, grayModel, WithProvider("cuda"), WithLogger(func(m string) { logged = append(logged, m) }))
	if g.Provider() != "cpu" {
		t.Errorf("provider = %q; want the cpu fallback", g.Provider())
	}
	w := g.Warnings()
	t.Logf("notice: %q", w)
	if len(w) != 1 || len(logged) != 1 || w[0] != logged[0] {
		t.Fatalf("warnings %q, logged %q; want one notice in both", w, logged)
	}
	for _, want := range []string{"provider cuda unavailable", "CPU", "Failed to load shared library", "libonnxruntime_providers_shared.so", "CPU-only", LibraryEnv} {
		if !strings.Contains(w[0], want) {
			t.Errorf("fallback notice %q does not mention %q", w[0], want)
		}
	}
	if _, err := g.Generate(context.Background(), Request{Seeds: seeds(0, 2)}); err != nil {
		t.Errorf("generating after the fallback: %v", err)
	}
	_, err := Open(grayModel, WithProvider("cuda"), WithNoFallback())
	if err == nil || !strings.Contains(err.Error(), "libonnxruntime_providers_shared.so") {
		t.Errorf("WithNoFallback: %v; want an error with the cause", err)
	}
	for _, p := range []string{"tensorrt", "openvino", "coreml", "directml"} {
		g := openTest(t, grayModel, WithProvider(p))
		if g.Provider() != "cpu" || len(g.Warnings()) != 1 || !strings.Contains(g.Warnings()[0], p) {
			t.Errorf("provider %s: using %s, warnings %q", p, g.Provider(), g.Warnings())
		}
	}
	if _, err := Open(grayModel, WithProvider("tpu")); err == nil || !strings.Contains(err.Error(), "cpu, cuda") {
		t.Errorf("unknown provider: %v", err)
	}
}

// TestConcurrent runs two goroutines through one Generator at once, with
// different batch sizes; each must get what it gets alone.
func TestConcurrent(t *testing.T) {
	g := openTest(t, condModel, WithMaxBatch(4))
	ctx := context.Background()
	reqs := []Request{
		{Seeds: seeds(0, 9), Labels: []int{1}},
		{Seeds: seeds(50, 5), Labels: []int{2}},
	}
	want := make([]string, len(reqs))
	for i, r := range reqs {
		b, err := g.Generate(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = fmt.Sprint(b.Data)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*20)
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				b, err := g.Generate(ctx, r)
				if err != nil {
					errs <- err
					return
				}
				if fmt.Sprint(b.Data) != want[i] {
					errs <- fmt.Errorf("request %d, round %d: images differ from a lone run", i, k)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestBatchImage(t *testing.T) {
	nan := float32(math.NaN())
	b := &Batch{Shape: [4]int{1, 3, 1, 3}, ValueRange: [2]float64{-1, 1},
		Data: []float32{-1, 0, 1, 2, -2, nan, 0.5, -0.5, 0.999}}
	img := b.Image(0).(*image.RGBA)
	want := []uint8{0, 255, 191, 255, 128, 0, 64, 255, 255, 0, 255, 255}
	if fmt.Sprint(img.Pix) != fmt.Sprint(want) {
		t.Errorf("RGBA pixels %v; want %v", img.Pix, want)
	}
	g := &Batch{Shape: [4]int{2, 1, 1, 2}, ValueRange: [2]float64{0, 1}, Data: []float32{0, 1, 0.5, 0.2}}
	if p := g.Image(1).(*image.Gray).Pix; p[0] != 128 || p[1] != 51 {
		t.Errorf("gray pixels %v; want [128 51]", p)
	}
	defer func() {
		if recover() == nil {
			t.Error("Image(2) of a batch of 2 did not panic")
		}
	}()
	g.Image(2)
}
