package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as gan-train itself when GAN_TRAIN_AS_MAIN is set, so
// tests can run it as a separate process (to kill it, or to limit its file
// sizes) without building. GAN_TRAIN_FSIZE sets RLIMIT_FSIZE in that
// process: the tests run as root, which ignores permissions, so a write
// that cannot complete is made by the file size limit (EFBIG, as a full
// disk gives ENOSPC; Go ignores the SIGXFSZ that comes with it).
func TestMain(m *testing.M) {
	if os.Getenv("GAN_TRAIN_AS_MAIN") == "1" {
		if s := os.Getenv("GAN_TRAIN_FSIZE"); s != "" {
			n, _ := strconv.ParseUint(s, 10, 64)
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				os.Stderr.WriteString("setrlimit: " + err.Error() + "\n")
				os.Exit(3)
			}
		}
		os.Exit(run(append([]string{"gan-train"}, os.Args[1:]...), os.Stderr))
	}
	os.Exit(m.Run())
}

// child is gan-train as a separate process, with extra environment; its
// stderr goes to a file, read by the returned function.
func child(t *testing.T, env []string, args ...string) (*exec.Cmd, func() string) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GAN_TRAIN_AS_MAIN=1"), env...)
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cmd.Stderr = f
	return cmd, func() string { b, _ := os.ReadFile(f.Name()); return string(b) }
}

// tinyRun are the settings of a small, fast MLP run on a folder of 8
// images, so these tests need neither MNIST nor much time.
func tinyRun(t *testing.T) []string {
	return []string{"--data", writeFolder(t, 8, 28), "--image-size", "28", "--channels", "1", "--model", "mlp",
		"--batch-size", "4", "--threads", "1", "--seed", "3", "--sample-every", "1000000"}
}

// A run killed (SIGKILL) before its first checkpoint can be resumed: it
// starts again from step 0 and ends where an uninterrupted run ends.
func TestKillBeforeFirstCheckpoint(t *testing.T) {
	base := tinyRun(t)
	out := filepath.Join(t.TempDir(), "run")
	cmd, stderr := child(t, nil, append(base, "--steps", "1000000", "--checkpoint-every", "1000000", "--out", out)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr(), "training mlp") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the run did not start: %s", stderr())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // some steps, no checkpoint
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	ckpt := filepath.Join(out, "checkpoints", "latest.ckpt")
	if _, err := os.Stat(ckpt); err == nil {
		t.Fatal("a checkpoint was written before the kill; the test needs a run killed before its first")
	}
	code, msg := runCLI(t, "--resume", out, "--steps", "6")
	if code != 0 || !strings.Contains(msg, "no checkpoint yet") {
		t.Fatalf("resume after a kill before the first checkpoint: exit %d: %s", code, msg)
	}
	ref := filepath.Join(t.TempDir(), "ref")
	if code, msg := runCLI(t, append(base, "--steps", "6", "--out", ref)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, msg)
	}
	a, _ := os.ReadFile(filepath.Join(out, "generator.onnx"))
	b, _ := os.ReadFile(filepath.Join(ref, "generator.onnx"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the resumed run's generator.onnx (%d bytes) differs from an uninterrupted run's (%d bytes)", len(a), len(b))
	}
}

// A folder left by a run killed before it wrote config.json (empty
// subfolders, a temporary file) is taken by --out as empty, and the
// temporary file goes.
func TestOutReusesKilledFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	os.MkdirAll(filepath.Join(out, "samples"), 0o755)
	os.MkdirAll(filepath.Join(out, "checkpoints"), 0o755)
	os.WriteFile(filepath.Join(out, ".config.json.tmp123456"), []byte("{"), 0o644)
	if code, msg := runCLI(t, "--resume", out); code != 2 || !strings.Contains(msg, "start it again with --out") {
		t.Errorf("--resume of a folder without config.json: exit %d: %s", code, msg)
	}
	if code, msg := runCLI(t, append(tinyRun(t), "--steps", "1", "--out", out)...); code != 0 {
		t.Fatalf("--out over a killed run's leftovers: exit %d: %s", code, msg)
	}
	if _, err := os.Stat(filepath.Join(out, ".config.json.tmp123456")); err == nil {
		t.Error("the stale temporary file is still there")
	}
	mine := filepath.Join(t.TempDir(), "mine")
	os.MkdirAll(filepath.Join(mine, "samples"), 0o755)
	os.WriteFile(filepath.Join(mine, "samples", "mine.png"), nil, 0o644)
	if code, msg := runCLI(t, append(tinyRun(t), "--steps", "1", "--out", mine)...); code != 2 || !strings.Contains(msg, "not empty") {
		t.Errorf("--out over a folder holding a file of the user's: exit %d: %s", code, msg)
	}
}

// noTemps fails if dir holds a temporary file of an unfinished write.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("%s: temporary file %s left behind", dir, e.Name())
		}
	}
}

// A checkpoint or export that cannot be written (here: beyond the file
// size limit, as on a full disk) fails with exit 1, says so, and leaves the
// previous checkpoint as it was.
func TestFailedWritesKeepCheckpoint(t *testing.T) {
	base := tinyRun(t)
	out := filepath.Join(t.TempDir(), "run")
	if code, msg := runCLI(t, append(base, "--steps", "2", "--out", out)...); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	ckpt := filepath.Join(out, "checkpoints", "latest.ckpt")
	before, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 1 << 20 // config, metrics and PNGs fit; checkpoint and ONNX do not
	cmd, stderr := child(t, []string{"GAN_TRAIN_FSIZE=" + strconv.Itoa(limit)}, "--resume", out, "--steps", "4")
	err = cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr(), "previous checkpoint (step 2) is intact") {
		t.Errorf("checkpoint beyond the size limit: exit %d (%v): %s", code, err, stderr())
	}
	if after, _ := os.ReadFile(ckpt); !bytes.Equal(before, after) {
		t.Error("the failed save changed the previous checkpoint")
	}
	noTemps(t, filepath.Join(out, "checkpoints"))

	onnx := filepath.Join(t.TempDir(), "g.onnx")
	cmd, stderr = child(t, []string{"GAN_TRAIN_FSIZE=" + strconv.Itoa(limit)}, "export", "--run", out, "-o", onnx)
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(stderr(), onnx) {
		t.Errorf("export beyond the size limit: exit %d: %s", code, stderr())
	}
	if _, err := os.Stat(onnx); err == nil {
		t.Error("a failed export left a partial file")
	}
	noTemps(t, filepath.Dir(onnx))
	if after, _ := os.ReadFile(ckpt); !bytes.Equal(before, after) {
		t.Error("the failed export changed the checkpoint")
	}
}
