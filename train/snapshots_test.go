package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A run on a stopped clock that advances one second per step exports its
// snapshots at the steps where they fall due and stops at --max-time with
// a checkpoint at that step.
func TestMaxTimeAndSnapshots(t *testing.T) {
	dir := t.TempDir()
	cfg := toyConfig("dcgan", 100)
	cfg.SampleEvery, cfg.CkptEvery = 1000, 1000
	snaps, err := ParseSnapshots("5s,3s")
	if err != nil {
		t.Fatal(err)
	}
	fake := time.Unix(1000, 0)
	opt := RunOptions{Out: dir, MaxTime: 8 * time.Second, Snapshots: snaps,
		OnStep: func(Record) { fake = fake.Add(time.Second) }}
	r, err := Start(cfg, toyData(40), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.now = func() time.Time { return fake }
	if err := r.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.Step() != 8 {
		t.Fatalf("stopped at step %d, want 8 (8s at 1s a step)", r.Step())
	}
	for _, l := range []string{"3s", "5s"} {
		if st, err := os.Stat(filepath.Join(dir, SnapshotDir, l+".onnx")); err != nil || st.Size() == 0 {
			t.Fatalf("snapshot %s: %v", l, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, SnapshotDir, "snapshots.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "label,step,elapsed_s\n3s,3,3.000\n5s,5,5.000\n"; string(b) != want {
		t.Fatalf("snapshots.csv:\n%s\nwant:\n%s", b, want)
	}
	ck, err := ReadCheckpoint(r.CheckpointPath())
	if err != nil {
		t.Fatal(err)
	}
	if ck.Meta.Step != 8 {
		t.Fatalf("checkpoint at step %d, want 8", ck.Meta.Step)
	}

	// Resumed with a later limit, the clock continues from metrics.csv and a
	// passed snapshot is not written again. The last row (step 8) was stamped
	// before OnStep moved the fake clock past that step, at 7s, so step k of
	// the resumed run ends at k-1 seconds.
	snaps, _ = ParseSnapshots("5s,10s")
	opt.MaxTime, opt.Snapshots = 12*time.Second, snaps
	r2, err := Start(cfg, toyData(40), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	r2.now = func() time.Time { return fake }
	if err := r2.Restore(); err != nil {
		t.Fatal(err)
	}
	if err := r2.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r2.Step() != 13 {
		t.Fatalf("resumed run stopped at step %d, want 13", r2.Step())
	}
	b, _ = os.ReadFile(filepath.Join(dir, SnapshotDir, "snapshots.csv"))
	if want := "label,step,elapsed_s\n3s,3,3.000\n5s,5,5.000\n10s,11,10.000\n"; string(b) != want {
		t.Fatalf("snapshots.csv after resume:\n%s\nwant:\n%s", b, want)
	}
}

func TestParseSnapshotsAndLimits(t *testing.T) {
	s, err := ParseSnapshots(" 10m, 1m,0.5m ")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range s {
		got = append(got, x.Label)
	}
	if strings.Join(got, ",") != "0.5m,1m,10m" || s[0].At != 30*time.Second {
		t.Fatalf("parsed %v", s)
	}
	for _, bad := range []string{"", "1m,x", "-1m", "1m,60s", "0s"} {
		if _, err := ParseSnapshots(bad); err == nil {
			t.Errorf("ParseSnapshots(%q): no error", bad)
		}
	}
	s, _ = ParseSnapshots("2m")
	_, err = Start(toyConfig("dcgan", 10), toyData(40), RunOptions{Out: t.TempDir(), MaxTime: time.Minute, Snapshots: s})
	if err == nil || !strings.Contains(err.Error(), "after max_time") {
		t.Fatalf("snapshot after max_time: %v", err)
	}
}
