package scripts_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/testenv"
)

// TestBenchCmd runs scripts/bench_cmd.sh (make bench's commands as users
// run them) end to end at toy sizes without the peer: every command line it
// promises comes out with its numbers, and benchreport pairs them. It needs
// MNIST, onnxruntime and GNU time, and skips in -short mode.
func TestBenchCmd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs gan-train and gan-gen; skipped in -short mode")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Skip("/usr/bin/time missing (apt-get install time; make setup-peer installs it)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(root, "data", "mnist", "train-images-idx3-ubyte.gz"))
	testenv.Data(t, err)
	_, _, err = infer.RuntimeVersion("")
	testenv.Runtime(t, err)

	// A bad knob is named, with exit 2, before anything runs.
	for _, bad := range []string{"TRAIN_STEPS=50", "GEN_IMAGES=lots", "CMD_COUNT=0"} {
		cmd := exec.Command("bash", "scripts/bench_cmd.sh")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), bad, "OUT="+t.TempDir())
		b, err := cmd.CombinedOutput()
		name, _, _ := strings.Cut(bad, "=")
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(b), name) {
			t.Errorf("bench_cmd.sh with %s: %v, output %q; want exit 2 naming %s", bad, err, b, name)
		}
	}

	bin, out := t.TempDir(), t.TempDir()
	build := exec.Command("go", "build", "-o", bin, "./cmd/gan-train", "./cmd/gan-gen")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	cmd := exec.Command("bash", "scripts/bench_cmd.sh")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "BIN="+bin, "OUT="+out, "CMD_COUNT=1", "TRAIN_STEPS=101",
		"GEN_IMAGES=64", "PEER=0", "THREADS=2", "TMPDIR="+t.TempDir())
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench_cmd.sh: %v\n%s", err, b)
	}

	// Every promised line, with positive images/s and (commands) peak-MB.
	want := map[string][]string{
		"BenchmarkCmdGanTrain/recipe=classic":            {"images/s", "peak-MB"},
		"BenchmarkORTRunDefault/batch=1024":              {"images/s"},
		"BenchmarkCmdGanGen/format=png/batch=1024/n=64":  {"images/s", "peak-MB"},
		"BenchmarkCmdGanGen/format=tar/batch=1024/n=64":  {"images/s", "peak-MB"},
		"BenchmarkCmdGanGen/format=npy/batch=1024/n=64":  {"images/s", "peak-MB"},
		"BenchmarkCmdGanGen/format=png/batch=4096/n=64":  {"images/s", "peak-MB"},
		"BenchmarkCmdGanGen/format=tar/batch=1024/n=320": {"images/s", "peak-MB"},
	}
	f, err := os.Open(filepath.Join(out, "go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 {
			continue
		}
		name := strings.TrimSuffix(fs[0], "-2")
		units, ok := want[name]
		if !ok {
			continue
		}
		seen[name] = true
		for _, u := range units {
			i := slices.Index(fs, u)
			if i < 1 {
				t.Errorf("%s: no %s in %q", name, u, sc.Text())
				continue
			}
			if v, err := strconv.ParseFloat(fs[i-1], 64); err != nil || v <= 0 {
				t.Errorf("%s: %s = %q, want a positive number", name, u, fs[i-1])
			}
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("go.txt has no %s line", name)
		}
	}

	// benchreport pairs them: the gan-train command and gan-gen rows.
	rep := exec.Command("go", "run", "./scripts/benchreport", filepath.Join(out, "go.txt"))
	rep.Dir = root
	b, err := rep.CombinedOutput()
	if err != nil {
		t.Fatalf("benchreport: %v\n%s", err, b)
	}
	for _, row := range []string{"gan-train command classic batch=64", "gan-gen tar batch=1024 n=64", "gan-gen png batch=4096 n=64"} {
		if !strings.Contains(string(b), row) {
			t.Errorf("report has no %q row:\n%s", row, b)
		}
	}
}
