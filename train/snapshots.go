package train

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gogan/gan/internal/atomicfile"
)

// Snapshot asks for the sampling generator to be exported once the run
// has trained for At, to snapshots/<Label>.onnx in the run folder.
type Snapshot struct {
	At    time.Duration
	Label string // the file name's stem, e.g. "1m"
}

// SnapshotDir is the run folder's subfolder that holds time snapshots and
// their index, snapshots.csv (label, step, elapsed_s).
const SnapshotDir = "snapshots"

// ParseSnapshots reads a list like "1m,3m,10m" (Go durations, e.g. 30s,
// 1.5m, 2h) into snapshots sorted by time, each labelled as written.
func ParseSnapshots(list string) ([]Snapshot, error) {
	var out []Snapshot
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			return nil, settingErr("snapshots", "{snapshots} %q: %q is not a positive duration (write e.g. 1m,3m,10m or 30s)", list, f)
		}
		if strings.ContainsAny(f, `/\`) {
			return nil, settingErr("snapshots", "{snapshots} %q: %q cannot name a file", list, f)
		}
		out = append(out, Snapshot{At: d, Label: f})
	}
	if len(out) == 0 {
		return nil, settingErr("snapshots", "{snapshots} %q: give one or more durations, e.g. 1m,3m,10m", list)
	}
	slices.SortStableFunc(out, func(a, b Snapshot) int { return int(a.At - b.At) })
	for i := 1; i < len(out); i++ {
		if out[i].At == out[i-1].At {
			return nil, settingErr("snapshots", "{snapshots} %q: %s and %s are the same time", list, out[i-1].Label, out[i].Label)
		}
	}
	return out, nil
}

// clock is the run's training time: what earlier sessions of the run
// trained (from metrics.csv) plus this session's wall time, less the time
// spent exporting snapshots, so that a snapshot does not eat into the
// budget it is measured against.
func (r *Run) clock() time.Duration {
	return r.elapsed0 + r.now().Sub(r.start) - r.paused
}

// skipPastSnapshots drops the snapshots a resumed run has already passed.
func (r *Run) skipPastSnapshots() {
	for len(r.snaps) > 0 && r.Step() > 0 && r.snaps[0].At <= r.elapsed0 {
		fmt.Fprintf(r.opt.Log, "note: snapshot %s is behind this resumed run (%s trained); skipping it\n", r.snaps[0].Label, r.elapsed0.Round(time.Second))
		r.snaps = r.snaps[1:]
	}
}

// timeHooks runs after each step: it exports the snapshots now due and
// reports whether the run has reached RunOptions.MaxTime.
func (r *Run) timeHooks() (stop bool, err error) {
	if len(r.snaps) == 0 && r.opt.MaxTime <= 0 {
		return false, nil
	}
	t := r.clock()
	for len(r.snaps) > 0 && r.snaps[0].At <= t {
		if err := r.writeSnapshot(r.snaps[0], t); err != nil {
			return false, err
		}
		r.snaps = r.snaps[1:]
	}
	if r.opt.MaxTime > 0 && t >= r.opt.MaxTime {
		fmt.Fprintln(r.opt.Log, r.sayf("time limit: stopped at step %d after %s of training ({max_time} %s)",
			r.Step(), t.Round(time.Millisecond), r.opt.MaxTime))
		return true, nil
	}
	return false, nil
}

// writeSnapshot exports the sampling generator to snapshots/<label>.onnx
// and records it in snapshots.csv; its own time is kept off the clock.
func (r *Run) writeSnapshot(s Snapshot, t time.Duration) error {
	t0 := r.now()
	defer func() { r.paused += r.now().Sub(t0) }()
	path := filepath.Join(r.Dir, SnapshotDir, s.Label+".onnx")
	if err := atomicfile.Write(path, func(w io.Writer) error { return r.Export(w, false) }); err != nil {
		return fmt.Errorf("snapshot %s: %w", s.Label, err)
	}
	r.snapIndex = append(r.snapIndex, fmt.Sprintf("%s,%d,%s", s.Label, r.Step(), strconv.FormatFloat(t.Seconds(), 'f', 3, 64)))
	index := filepath.Join(r.Dir, SnapshotDir, "snapshots.csv")
	if err := atomicfile.Write(index, func(w io.Writer) error {
		_, err := io.WriteString(w, "label,step,elapsed_s\n"+strings.Join(r.snapIndex, "\n")+"\n")
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(r.opt.Log, "snapshot %s: step %d at %s of training -> %s\n", s.Label, r.Step(), t.Round(time.Millisecond), path)
	return nil
}

// planSnapshots checks MaxTime and Snapshots against each other and, when
// there are snapshots, makes their folder and reads the index a resumed run
// already wrote.
func (r *Run) planSnapshots() error {
	if r.opt.MaxTime < 0 {
		return settingErr("max_time", "{max_time} %s: must not be negative", r.opt.MaxTime)
	}
	r.snaps = slices.Clone(r.opt.Snapshots)
	slices.SortStableFunc(r.snaps, func(a, b Snapshot) int { return int(a.At - b.At) })
	if n := len(r.snaps); n > 0 && r.opt.MaxTime > 0 && r.snaps[n-1].At > r.opt.MaxTime {
		return settingErr("snapshots", "{snapshots} %s is after {max_time} %s; the run would stop first", r.snaps[n-1].Label, r.opt.MaxTime)
	}
	if len(r.snaps) == 0 {
		return nil
	}
	dir := filepath.Join(r.Dir, SnapshotDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s %s: cannot create %s: %w", r.name("out"), r.Dir, dir, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "snapshots.csv")); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		r.snapIndex = append(r.snapIndex, lines[1:]...)
	}
	return nil
}
