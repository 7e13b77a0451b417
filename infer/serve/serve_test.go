package serve

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/testenv"
)

const (
	grayModel  = "../testdata/gen_gray.onnx"
	condModel  = "../testdata/gen_cond.onnx"
	benchModel = "../testdata/gen_bench.onnx"
)

func openModel(t testing.TB, path string) *infer.Generator {
	t.Helper()
	_, _, err := infer.RuntimeVersion("")
	testenv.Runtime(t, err)
	g, err := infer.Open(path, infer.WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// holder holds onnxruntime runs until released, and records their sizes.
type holder struct {
	once    sync.Once
	mu      sync.Mutex
	sizes   []int
	entered chan int
	open    chan struct{}
}

func newHolder() *holder {
	h := &holder{entered: make(chan int, 100), open: make(chan struct{})}
	return h
}

func (h *holder) hook(size int) {
	h.mu.Lock()
	h.sizes = append(h.sizes, size)
	h.mu.Unlock()
	h.entered <- size
	<-h.open
}

func (h *holder) release() { h.once.Do(func() { close(h.open) }) }

func (h *holder) runs() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.sizes...)
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testServer struct {
	*Server
	url  string
	logs *logBuffer
}

// start serves g on a loopback port; h (or nil) holds the runs, and is
// released when the test ends.
func start(t *testing.T, g *infer.Generator, opt Options, h *holder) *testServer {
	t.Helper()
	logs := &logBuffer{}
	opt.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	var hook func(int)
	if h != nil {
		hook = h.hook
	}
	s, err := newServer(g, opt, hook)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	if h != nil {
		t.Cleanup(h.release) // first, or hs.Close waits for held requests
	}
	return &testServer{s, hs.URL, logs}
}

func post(t testing.TB, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/v1/generate", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the body: %v", body, err)
	}
	return resp, b
}

// want generates seeds directly, in one Generate call.
func want(t testing.TB, g *infer.Generator, seed uint64, n int, labels []int) *infer.Batch {
	t.Helper()
	req := infer.Request{Seeds: make([]uint64, n), Labels: labels}
	for i := range req.Seeds {
		req.Seeds[i] = seed + uint64(i)
	}
	b, err := g.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func untar(t testing.TB, b []byte) (names []string, files map[string][]byte) {
	t.Helper()
	files = map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, files
		}
		if err != nil {
			t.Fatalf("reading the tar: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		files[h.Name] = data
	}
}

func TestBadRequests(t *testing.T) {
	g := openModel(t, condModel)
	s := start(t, g, Options{MaxImages: 16, MaxBodyBytes: 2000}, nil)
	long := `{"latents": [` + strings.Repeat(`[0,0,0,0,0,0,0,0],`, 200) + `[0,0,0,0,0,0,0,0]]}`
	cases := []struct {
		body   string
		status int
		field  string
		msg    string
	}{
		{``, 400, "", "empty body"},
		{`{"n": 2`, 400, "", "not valid JSON"},
		{`[1]`, 400, "", "want serve.GenerateRequest"},
		{`{"n": "two"}`, 400, "n", "want int"},
		{`{"n": 1} {"n": 2}`, 400, "", "more than one JSON value"},
		{`{"count": 2}`, 400, "count", `unknown field "count"`},
		{`{"n": 0}`, 400, "n", "n 0: must be at least 1"},
		{`{"n": -3}`, 400, "n", "n -3"},
		{`{"n": 17, "format": "tar"}`, 400, "n", "at most 16 images"},
		{`{"n": 2, "format": "png"}`, 400, "format", "format tar"},
		{`{"n": 2, "format": "jpeg"}`, 400, "format", "npy"},
		{`{"format": "gif"}`, 400, "format", `format "gif"`},
		{`{"n": 2, "image_format": "gif"}`, 400, "image_format", `"gif"`},
		{`{"format": "npy", "image_format": "png"}`, 400, "image_format", "applies to format tar"},
		{`{"quality": 50}`, 400, "quality", "applies to JPEG"},
		{`{"format": "jpeg", "quality": 0}`, 400, "quality", "1-100"},
		{`{"truncation": 0.01}`, 400, "truncation", "truncation 0.01"},
		{`{"seed": -1}`, 400, "seed", "want uint64"},
		{`{"seed": 1, "latents": [[0,0,0,0,0,0,0,0]]}`, 400, "latents", "not both"},
		{`{"latents": [[0,0,0,0,0,0,0,0]], "truncation": 0.5}`, 400, "truncation", "applies to seeds"},
		{`{"latents": []}`, 400, "latents", "empty"},
		{`{"n": 3, "latents": [[0,0,0,0,0,0,0,0]]}`, 400, "n", "holds 1 vectors"},
		{`{"latents": [[0,0,0,0,0,0,0,0],[1,2]], "format": "npy"}`, 400, "latents[1]", "z_dim is 8"},
		{`{"latents": [[1e39,0,0,0,0,0,0,0]]}`, 400, "latents", "float32"},
		{`{"label": 3}`, 400, "label", "3 classes: give 0-2 or a name (cat, dog, bird)"},
		{`{"label": 1.5}`, 400, "label", "label 1.5"},
		{`{"label": "fish"}`, 400, "label", "label fish"},
		{`{"label": true}`, 400, "label", "label true"},
		{long, 413, "", "over the limit of 2000 bytes"},
	}
	for _, c := range cases {
		resp, b := post(t, s.url, c.body)
		var e struct{ Error, Field string }
		if err := json.Unmarshal(b, &e); err != nil {
			t.Errorf("%.60s: status %d, body %q is not a JSON error", c.body, resp.StatusCode, b)
			continue
		}
		if resp.StatusCode != c.status || e.Field != c.field || !strings.Contains(e.Error, c.msg) {
			t.Errorf("%.60s: status %d, field %q, error %q; want %d, field %q, an error saying %q",
				c.body, resp.StatusCode, e.Field, e.Error, c.status, c.field, c.msg)
		}
	}
	// An unconditional model takes no label.
	gray := start(t, openModel(t, grayModel), Options{}, nil)
	resp, b := post(t, gray.url, `{"label": 0}`)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "not conditional") {
		t.Errorf("label on an unconditional model: %d %s", resp.StatusCode, b)
	}
	for _, m := range []string{"GET", "PUT"} {
		req, _ := http.NewRequest(m, s.url+"/v1/generate", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /v1/generate: status %d; want 405", m, resp.StatusCode)
		}
	}
}

// TestFormats checks each format's bytes against a direct Generate of the
// same seeds, across runs cut at MaxBatch.
func TestFormats(t *testing.T) {
	g := openModel(t, condModel)
	h := newHolder()
	h.release()
	s := start(t, g, Options{MaxBatch: 4}, h)
	ref := want(t, g, 40, 10, []int{0, 1, 2, 0, 1, 2, 0, 1, 2, 0})

	resp, b := post(t, s.url, `{"n": 10, "seed": 40, "format": "npy"}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("npy: status %d, %s", resp.StatusCode, b)
	}
	npy := append(infer.NpyHeader(ref.Shape), infer.AppendFloat32s(nil, ref.Data)...)
	if !bytes.Equal(b, npy) {
		t.Errorf("npy: %d bytes differ from the direct Generate's %d", len(b), len(npy))
	}
	if r := h.runs(); fmt.Sprint(r) != "[4 4 2]" {
		t.Errorf("10 images at max batch 4 ran as %v; want [4 4 2]", r)
	}

	newEnc, _, _ := infer.EncoderFor("jpeg", 70)
	enc := newEnc()
	resp, b = post(t, s.url, `{"n": 10, "seed": 40, "image_format": "jpeg", "quality": 70}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-tar" {
		t.Fatalf("tar: status %d, %s", resp.StatusCode, b)
	}
	names, files := untar(t, b)
	if len(names) != 11 || names[10] != infer.ManifestName {
		t.Fatalf("tar holds %v; want 10 images, then %s", names, infer.ManifestName)
	}
	man := infer.NewManifest("file")
	for i := range 10 {
		want, _ := enc(nil, ref, i)
		name := infer.FileName(i, 10, "jpg")
		if names[i] != name || !bytes.Equal(files[name], want) {
			t.Errorf("tar member %d is %s (%d bytes); want %s (%d bytes) as encoded directly", i, names[i], len(files[names[i]]), name, len(want))
		}
		man.Add(name, 40+uint64(i), i%3)
	}
	if got := string(files[infer.ManifestName]); got != string(man.Bytes()) {
		t.Errorf("manifest:\n%s\nwant:\n%s", got, man.Bytes())
	}

	newEnc, _, _ = infer.EncoderFor("png", 0)
	enc = newEnc()
	one := want(t, g, 7, 1, []int{2})
	resp, b = post(t, s.url, `{"seed": 7, "label": "bird"}`)
	if png, _ := enc(nil, one, 0); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(b, png) {
		t.Errorf("png: status %d, %s, %d bytes; want the direct encoding's %d", resp.StatusCode, resp.Header.Get("Content-Type"), len(b), len(png))
	}
	z, _ := json.Marshal(infer.Latent(7, 8, 0))
	resp, b = post(t, s.url, `{"latents": [`+string(z)+`], "label": 2}`)
	if png, _ := enc(nil, one, 0); resp.StatusCode != 200 || !bytes.Equal(b, png) {
		t.Errorf("seed 7's latent given: status %d, %d bytes; want the seed's image", resp.StatusCode, len(b))
	}
}

// TestMergedRuns holds the first run while requests queue, then checks
// that they were merged into one run and that each got its own images.
func TestMergedRuns(t *testing.T) {
	g := openModel(t, benchModel)
	h := newHolder()
	s := start(t, g, Options{MaxBatch: 64, MaxWait: 50 * time.Millisecond}, h)
	type result struct {
		seed int
		body []byte
		code int
	}
	results := make(chan result, 8)
	ask := func(seed, n int) {
		resp, b := post(t, s.url, fmt.Sprintf(`{"n": %d, "seed": %d, "format": "npy"}`, n, seed))
		results <- result{seed, b, resp.StatusCode}
	}
	go ask(1000, 3)
	<-h.entered // the first run is held; the rest queue behind it
	for k := range 5 {
		go ask(k*100, 5+k)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(s.queue) < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	h.release()
	for range 6 {
		r := <-results
		n := (len(r.body) - 128) / (4 * 28 * 28)
		ref := want(t, g, uint64(r.seed), max(n, 1), nil)
		npy := append(infer.NpyHeader(ref.Shape), infer.AppendFloat32s(nil, ref.Data)...)
		if r.code != 200 || !bytes.Equal(r.body, npy) {
			t.Errorf("seed %d: status %d, %d bytes differ from a direct Generate of the same seeds", r.seed, r.code, len(r.body))
		}
	}
	if runs := h.runs(); fmt.Sprint(runs) != "[3 35]" {
		t.Errorf("runs %v; want [3 35]: the five queued requests merged into one", runs)
	}
}

func TestQueueFull(t *testing.T) {
	g := openModel(t, grayModel)
	h := newHolder()
	s := start(t, g, Options{QueueImages: 8, MaxBatch: 4}, h)
	done := make(chan int)
	go func() {
		resp, _ := post(t, s.url, `{"n": 8, "format": "npy"}`)
		done <- resp.StatusCode
	}()
	<-h.entered // 4 images run, 4 more queued: the gate is full
	resp, b := post(t, s.url, `{"n": 1}`)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "queue is full") {
		t.Errorf("with the queue full: status %d, Retry-After %q, %s; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	h.release()
	if code := <-done; code != 200 {
		t.Errorf("the admitted request: status %d", code)
	}
	if resp, _ := post(t, s.url, `{"n": 1}`); resp.StatusCode != 200 {
		t.Errorf("after the queue drained: status %d", resp.StatusCode)
	}
	waitFor(t, func() bool { return s.gate.inUse() == 0 }, "the gate to empty")
	metrics := get(t, s.url+"/metrics", "")
	for _, m := range []string{`gogan_serve_requests_total{code="429"} 1`, `gogan_serve_requests_total{code="200"} 2`,
		"gogan_serve_images_total 9", "gogan_serve_batch_size_count 3", "gogan_serve_admitted_images 0",
		"gogan_serve_queue_images 0", "process_resident_memory_bytes"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func get(t testing.TB, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

// TestDisconnect: a client that goes away while its request is queued
// has its work skipped and its images released.
func TestDisconnect(t *testing.T) {
	g := openModel(t, grayModel)
	h := newHolder()
	s := start(t, g, Options{MaxBatch: 4, MaxWait: time.Millisecond}, h)
	first := make(chan int)
	go func() {
		resp, _ := post(t, s.url, `{"n": 4, "format": "npy"}`)
		first <- resp.StatusCode
	}()
	<-h.entered
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/v1/generate", strings.NewReader(`{"n": 12, "format": "tar"}`))
		_, err := http.DefaultClient.Do(req)
		gone <- err
	}()
	waitFor(t, func() bool { return s.gate.inUse() == 12 }, "the second request to queue two runs")
	cancel()
	<-gone
	waitFor(t, func() bool { return strings.Contains(s.logs.String(), `"status":499`) }, "the handler to see the client go")
	h.release()
	if code := <-first; code != 200 {
		t.Errorf("the first request: status %d", code)
	}
	waitFor(t, func() bool { return s.gate.inUse() == 0 }, "the gate to empty")
	if runs := h.runs(); fmt.Sprint(runs) != "[4]" {
		t.Errorf("runs %v; want only the first request's [4]: the cancelled request's job is skipped", runs)
	}
	if !strings.Contains(get(t, s.url+"/metrics", ""), `gogan_serve_requests_total{code="499"} 1`) {
		t.Error("/metrics does not count the request as 499")
	}
}
