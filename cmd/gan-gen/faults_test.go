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
)

// limitFileSize sets RLIMIT_FSIZE from GAN_GEN_FSIZE in the gan-gen child
// process: the tests run as root, which ignores permissions, so a write
// that cannot complete is made by the file size limit (EFBIG, as a full
// disk gives ENOSPC; Go ignores the SIGXFSZ that comes with it).
func limitFileSize() {
	s := os.Getenv("GAN_GEN_FSIZE")
	if s == "" {
		return
	}
	n, _ := strconv.ParseUint(s, 10, 64)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		os.Stderr.WriteString("setrlimit: " + err.Error() + "\n")
		os.Exit(3)
	}
}

// A write that fails part way (here: an image over the file size limit,
// as on a full disk) exits 1 and leaves no partial --out: neither a new
// folder nor a staging folder beside it, and with --overwrite the old
// output as it was.
func TestFailedWriteLeavesNoOutput(t *testing.T) {
	needLibrary(t)
	root := t.TempDir()
	gen := func(limit int, args ...string) (int, string) {
		cmd := exec.Command(os.Args[0], append([]string{"--model", grayModel, "-n", "20", "--batch", "4", "--format", "npy"}, args...)...)
		cmd.Env = append(os.Environ(), "GAN_GEN_AS_MAIN=1", "GAN_GEN_FSIZE="+strconv.Itoa(limit))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Run()
		return cmd.ProcessState.ExitCode(), stderr.String()
	}
	const limit = 256 // under one 8x8 float32 image in .npy (384 bytes)
	out := filepath.Join(root, "new")
	if code, msg := gen(limit, "--out", out); code != 1 || !strings.Contains(msg, "file too large") {
		t.Errorf("--out beyond the size limit: exit %d: %s", code, msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed run left %s", out)
	}
	noSiblings(t, root)

	old := filepath.Join(root, "old")
	if code, msg := gen(1<<30, "--out", old); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	before := readManifest(t, old)
	if code, msg := gen(limit, "--out", old, "--overwrite", "--seed", "9"); code != 1 {
		t.Errorf("--overwrite beyond the size limit: exit %d: %s", code, msg)
	}
	if after := readManifest(t, old); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("a failed --overwrite changed the previous output:\n%q\n%q", before, after)
	}
	noSiblings(t, root)
}
