package main

import (
	"bytes"
	"errors"
	"image"
	_ "image/png" // decodeFile reads PNGs
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/testenv"
)

const (
	grayModel  = "../../infer/testdata/gen_gray.onnx"
	condModel  = "../../infer/testdata/gen_cond.onnx"
	benchModel = "../../infer/testdata/gen_bench.onnx"
	classifier = "../../infer/testdata/classifier.onnx"
)

// TestMain doubles as gan-gen itself when GAN_GEN_AS_MAIN is set, so tests
// can run it as a separate process (to send it signals) without building.
func TestMain(m *testing.M) {
	if os.Getenv("GAN_GEN_AS_MAIN") == "1" {
		limitFileSize() // GAN_GEN_FSIZE, see faults_test.go
		os.Exit(run(append([]string{"gan-gen"}, os.Args[1:]...), os.Stdout, os.Stderr))
	}
	code := m.Run()
	removeBenchRoot()
	os.Exit(code)
}

// runCLI runs gan-gen in-process and returns its exit code, stdout and
// stderr.
func runCLI(t testing.TB, args ...string) (int, []byte, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"gan-gen"}, args...), &stdout, &stderr)
	return code, stdout.Bytes(), stderr.String()
}

func mustRun(t testing.TB, args ...string) ([]byte, string) {
	t.Helper()
	code, out, msg := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("gan-gen %v: exit %d\n%s", args, code, msg)
	}
	return out, msg
}

func needLibrary(t testing.TB) {
	t.Helper()
	_, _, err := infer.RuntimeVersion("")
	testenv.Runtime(t, err)
}

func decodeFile(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func readManifest(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.onnx")
	b, _ := os.ReadFile(grayModel)
	os.WriteFile(truncated, b[:len(b)*2/3], 0o644)
	nonEmpty := filepath.Join(dir, "full")
	os.MkdirAll(nonEmpty, 0o755)
	os.WriteFile(filepath.Join(nonEmpty, "keep.txt"), []byte("mine"), 0o644)
	aFile := filepath.Join(dir, "file.txt")
	os.WriteFile(aFile, nil, 0o644)
	out := filepath.Join(dir, "out")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-n", "2", "--out", out}, 2, "--model is required"},
		{[]string{"--model", filepath.Join(dir, "none.onnx"), "--out", out}, 2, "none.onnx: no such file"},
		{[]string{"--model", truncated, "--out", out}, 2, "truncated.onnx: truncated"},
		{[]string{"--model", classifier, "--out", out}, 2, "not a generator"},
		{[]string{"--model", grayModel, "--batch", "0", "--out", out}, 2, "--batch 0"},
		{[]string{"--model", grayModel, "-n", "0", "--out", out}, 2, "-n 0"},
		{[]string{"--model", grayModel, "--format", "gif", "--out", out}, 2, "--format gif"},
		{[]string{"--model", grayModel}, 2, "nothing to write"},
		{[]string{"--model", grayModel, "--out", aFile}, 2, "not a folder"},
		{[]string{"--model", grayModel, "--out", nonEmpty}, 2, "not empty"},
		{[]string{"--model", grayModel, "--out", "/proc/forbidden/out"}, 1, "/proc/forbidden/out: cannot create"},
		{[]string{"--model", grayModel, "--grid", "/no/such/dir/g.png"}, 2, "does not exist"},
		{[]string{"--model", grayModel, "--label", "1", "--out", out}, 2, "not conditional"},
		{[]string{"--model", condModel, "--label", "3", "--out", out}, 2, "3 classes: give 0-2 or a name (cat, dog, bird)"},
		{[]string{"--model", condModel, "--label", "fish", "--out", out}, 2, "--label fish"},
		{[]string{"--model", grayModel, "--truncation", "0.01", "--out", out}, 2, "--truncation 0.01"},
		{[]string{"--model", grayModel, "--provider", "tpu", "--out", out}, 2, "--provider tpu"},
		{[]string{"--model", grayModel, "--provider-option", "nokey", "--out", out}, 2, "KEY=VALUE"},
		{[]string{"--model", grayModel, "--provider-option", "device_id=1", "--out", out}, 2, "the cpu provider takes no options"},
		{[]string{"--model", grayModel, "--provider", "cpu", "--provider-option", "use_tf32=0", "--out", out}, 2, "--provider-option use_tf32=0"},
		{[]string{"--model", grayModel, "--quality", "80", "--out", out}, 2, "--quality applies to --format jpeg, not png"},
		{[]string{"--model", grayModel, "--quality", "80", "--format", "npy", "--out", out}, 2, "not npy"},
		{[]string{"--model", grayModel, "--interpolate", "4"}, 2, "give --out DIR"},
		{[]string{"--model", grayModel, "--slerp", "--out", out}, 2, "--slerp"},
		{[]string{"--model", grayModel, "--no-such-flag"}, 2, "no-such-flag"},
		{[]string{"--model", grayModel, "--out", out, "extra"}, 2, `unexpected argument "extra"`},
	}
	// "--model is required" holds for a gan-gen built without a model.
	saved := builtin
	defer func() { builtin = saved }()
	builtin = nil
	_, _, err := infer.RuntimeVersion("")
	haveLib := testenv.HaveRuntime(t, err)
	for _, c := range cases {
		// --label and the output folder are checked once the model is open.
		if !haveLib && (slices.Contains(c.args, "--label") || strings.HasPrefix(c.want, "/proc")) {
			continue
		}
		code, _, msg := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(msg, c.want) || strings.Contains(msg, "goroutine ") {
			t.Errorf("gan-gen %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, msg, c.code, c.want)
		}
		if _, err := os.Stat(filepath.Join(out, manifestName)); err == nil {
			t.Fatalf("gan-gen %v wrote a manifest", c.args)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(nonEmpty, "keep.txt")); string(b) != "mine" {
		t.Error("a refused --out folder was modified")
	}
}

func TestMissingLibrary(t *testing.T) {
	t.Setenv(infer.LibraryEnv, "/nonexistent/libonnxruntime.so.1")
	code, _, msg := runCLI(t, "--model", grayModel, "--out", filepath.Join(t.TempDir(), "out"))
	if _, _, err := infer.RuntimeVersion(""); errors.Is(err, infer.ErrNoCgo) {
		if code != 1 || !strings.Contains(msg, err.Error()) {
			t.Errorf("without cgo: exit %d, stderr %q; want exit 1 and %q", code, msg, err)
		}
		return
	}
	if code != 1 || !strings.Contains(msg, "ONNXRUNTIME_LIB=/nonexistent/libonnxruntime.so.1: no such file") || !strings.Contains(msg, "make setup") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming the library and the fix", code, msg)
	}
}

// TestNoManifestOnError: a failure part-way leaves no manifest behind.
func TestNoManifestOnError(t *testing.T) {
	needLibrary(t)
	dir := filepath.Join(t.TempDir(), "out")
	// A folder where image 3 should go makes its write fail; a folder in
	// --out also means it is written in place, not staged.
	os.MkdirAll(filepath.Join(dir, "000003.png"), 0o755)
	os.WriteFile(filepath.Join(dir, manifestName), []byte("stale"), 0o644)
	code, _, msg := runCLI(t, "--model", grayModel, "-n", "6", "--batch", "2", "--out", dir, "--overwrite")
	if code != 1 || !strings.Contains(msg, "000003.png") {
		t.Errorf("exit %d, %q; want exit 1 naming the file", code, msg)
	}
	if _, err := os.Stat(filepath.Join(dir, manifestName)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed run left a manifest (the stale one must go before the first image)")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	// A tar stream that breaks has no manifest and no end marker.
	w := &failingWriter{limit: 3000}
	code = run([]string{"gan-gen", "--model", grayModel, "-n", "200", "--batch", "16", "--out", "-"}, w, io.Discard)
	if code != 1 || bytes.Contains(w.buf.Bytes(), []byte(manifestName)) {
		t.Errorf("broken stdout: exit %d, manifest in stream: %v", code, bytes.Contains(w.buf.Bytes(), []byte(manifestName)))
	}
}

// TestStagedFailure: a staged run that fails after its images (the grid
// cannot be written) leaves no --out and no staging folder, and with
// --overwrite the previous output untouched.
func TestStagedFailure(t *testing.T) {
	needLibrary(t)
	root := t.TempDir()
	blocked := filepath.Join(root, "sheet.png")
	os.MkdirAll(blocked, 0o755) // a folder where the grid should go
	fresh := filepath.Join(root, "fresh")
	code, _, msg := runCLI(t, "--model", grayModel, "-n", "5", "--batch", "2", "--out", fresh, "--grid", blocked)
	if code != 1 || !strings.Contains(msg, "sheet.png") {
		t.Errorf("exit %d, %q; want exit 1 naming the grid", code, msg)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run created --out: %v", err)
	}
	old := filepath.Join(root, "old")
	mustRun(t, "--model", grayModel, "-n", "3", "--out", old)
	before := readManifest(t, old)
	code, _, _ = runCLI(t, "--model", grayModel, "-n", "5", "--seed", "7", "--out", old, "--overwrite", "--grid", blocked)
	if code != 1 {
		t.Errorf("--overwrite run with a blocked grid: exit %d; want 1", code)
	}
	if after := readManifest(t, old); strings.Join(after, "|") != strings.Join(before, "|") {
		t.Errorf("the previous output changed: %v, was %v", after, before)
	}
	noSiblings(t, root)
}

// noSiblings fails if a staging or swapped-out folder is left in dir.
func noSiblings(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".partial-") || strings.Contains(e.Name(), ".old-") {
			t.Errorf("%s left behind in %s", e.Name(), dir)
		}
	}
}

type failingWriter struct {
	buf   bytes.Buffer
	limit int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.limit {
		return 0, syscall.EPIPE
	}
	return w.buf.Write(p)
}

func TestOverwrite(t *testing.T) {
	needLibrary(t)
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	mustRun(t, "--model", grayModel, "-n", "3", "--out", dir)
	if code, _, _ := runCLI(t, "--model", grayModel, "-n", "2", "--seed", "9", "--out", dir); code != 2 {
		t.Errorf("second run into a full --out: exit %d; want 2", code)
	}
	mustRun(t, "--model", grayModel, "-n", "2", "--seed", "9", "--out", dir, "--overwrite")
	if l := readManifest(t, dir); len(l) != 3 || l[1] != "000000.png,9," {
		t.Errorf("manifest after --overwrite: %v", l)
	}
	// The folder held only gan-gen output, so it was replaced as a whole.
	if _, err := os.Stat(filepath.Join(dir, "000002.png")); !errors.Is(err, os.ErrNotExist) {
		t.Error("an image of the replaced output is still there")
	}
	noSiblings(t, root)

	// A file gan-gen did not write is never removed: the run writes in
	// place beside it.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	mustRun(t, "--model", grayModel, "-n", "1", "--seed", "4", "--out", dir, "--overwrite")
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Error("--overwrite lost a file gan-gen did not write")
	}
	if l := readManifest(t, dir); len(l) != 2 || l[1] != "000000.png,4," {
		t.Errorf("manifest after writing in place: %v", l)
	}
	noSiblings(t, root)
}

// startInterrupted runs gan-gen (this test binary in GAN_GEN_AS_MAIN mode)
// into out, waits until its staging folder holds 100 images, and sends it
// SIGINT. It returns stderr and the exit error.
func startInterrupted(t *testing.T, out string, args ...string) (string, error) {
	t.Helper()
	args = append([]string{"--model", grayModel, "-n", "5000000", "--batch", "64", "--out", out}, args...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GAN_GEN_AS_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".partial-*", infer.FileName(100, 5000000, "png"))
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m, _ := filepath.Glob(probe); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no staged images after 20s:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	return stderr.String(), err
}

// TestInterrupt: an interrupted run exits 130, says so, and leaves nothing
// that looks like output: no --out at all, or with --overwrite the previous
// output as it was; no staging folder either.
func TestInterrupt(t *testing.T) {
	needLibrary(t)
	root := t.TempDir()
	fresh := filepath.Join(root, "fresh")
	msg, err := startInterrupted(t, fresh)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit: %v; want status 130", err)
	}
	if !strings.Contains(msg, "interrupted after") || !strings.Contains(msg, "nothing was written to "+fresh) {
		t.Errorf("stderr: %s", msg)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted run left --out: %v", err)
	}

	old := filepath.Join(root, "old")
	mustRun(t, "--model", grayModel, "-n", "3", "--out", old)
	before := readManifest(t, old)
	msg, err = startInterrupted(t, old, "--overwrite")
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("--overwrite: exit %v; want status 130", err)
	}
	if !strings.Contains(msg, old+" still holds the previous output") {
		t.Errorf("--overwrite: stderr: %s", msg)
	}
	if after := readManifest(t, old); strings.Join(after, "|") != strings.Join(before, "|") {
		t.Errorf("an interrupted --overwrite changed the previous output: %v, was %v", after, before)
	}
	if entries, _ := os.ReadDir(old); len(entries) != 4 {
		t.Errorf("%d files in the previous output; want its 3 images and manifest", len(entries))
	}
	noSiblings(t, root)
}
