package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/train"
)

// --max-time ends a long run after its first step (any step outlasts 1ns),
// with the checkpoint, generator.onnx and the due snapshot written.
func TestMaxTimeAndSnapshotFlags(t *testing.T) {
	folder := writeFolder(t, 4, 28)
	out := filepath.Join(t.TempDir(), "run")
	code, msg := runCLI(t, "--data", folder, "--image-size", "28", "--channels", "1", "--steps", "1000", "--batch-size", "2",
		"--threads", "1", "--max-time", "1ns", "--snapshot-at", "1ns", "--out", out)
	if code != 0 || !strings.Contains(msg, "time limit: stopped at step 1") {
		t.Fatalf("exit %d: %s", code, msg)
	}
	for _, f := range []string{train.ExportName, "snapshots/1ns.onnx", "snapshots/snapshots.csv"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	ck, err := train.ReadCheckpoint(filepath.Join(out, "checkpoints", "latest.ckpt"))
	if err != nil || ck.Meta.Step != 1 {
		t.Fatalf("checkpoint: %v, step %v", err, ck)
	}
	// The limits belong to the session, so a resume may change them.
	if code, msg := runCLI(t, "--resume", out, "--max-time", "1ns"); code != 0 || !strings.Contains(msg, "stopped at step 2") {
		t.Fatalf("resume with another --max-time: exit %d: %s", code, msg)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--snapshot-at", "5m", "--max-time", "1m"}, "after --max-time"},
		{[]string{"--snapshot-at", "soon"}, "not a positive duration"},
		{[]string{"--max-time", "-1m"}, "--max-time"},
	} {
		args := append([]string{"--data", folder, "--image-size", "28", "--steps", "1", "--batch-size", "2", "--out", filepath.Join(t.TempDir(), "r")}, c.args...)
		if code, msg := runCLI(t, args...); code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("gan-train %v: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, msg, c.want)
		}
	}
}
