package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/npy"
)

// TestShardsMakeOneRun: N shard outputs (folders, tar files, .npy files)
// hold exactly the files, bytes and manifest rows of one unsharded run.
func TestShardsMakeOneRun(t *testing.T) {
	needLibrary(t)
	dir := t.TempDir()
	base := []string{"--model", condModel, "-n", "11", "--seed", "5", "--batch", "3"}
	for _, format := range []string{"png", "jpeg", "npy"} {
		whole := filepath.Join(dir, format+"-whole")
		mustRun(t, append(base, "--format", format, "--out", whole)...)
		want := readDir(t, whole)
		got := map[string][]byte{}
		var manifest []string
		var arrays [][]byte
		for k := range 4 {
			out := filepath.Join(dir, format+"-shard"+string(rune('0'+k)))
			mustRun(t, append(base, "--format", format, "--shard", string(rune('0'+k))+"/4", "--out", out)...)
			for name, b := range readDir(t, out) {
				switch {
				case name == manifestName:
					lines := strings.SplitAfter(string(b), "\n")
					if k > 0 {
						lines = lines[1:] // each shard's manifest has the header
					}
					manifest = append(manifest, lines...)
				case name == stackedName:
					arrays = append(arrays, b)
				default:
					if _, dup := got[name]; dup {
						t.Errorf("%s: %s is in two shards", format, name)
					}
					got[name] = b
				}
			}
		}
		if m := strings.Join(manifest, ""); m != string(want[manifestName]) {
			t.Errorf("%s: the shard manifests concatenate to\n%s\nwant\n%s", format, m, want[manifestName])
		}
		delete(want, manifestName)
		if format == "npy" {
			if !bytes.Equal(joinNpy(t, arrays), want[stackedName]) {
				t.Errorf("npy: the shards' arrays, concatenated, differ from the whole run's")
			}
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d files in the shards; want %d", format, len(got), len(want))
		}
		for name, b := range want {
			if !bytes.Equal(got[name], b) {
				t.Errorf("%s: %s differs between the shards and the whole run", format, name)
			}
		}
	}

	// A tar and a .npy file per shard, concatenated by index.
	wholeTar, _ := mustRun(t, append(base, "--out", "-")...)
	wholeNpy := filepath.Join(dir, "whole.npy")
	mustRun(t, append(base, "--out", wholeNpy)...)
	var members, arrays []string
	for k := range 3 {
		tarOut := filepath.Join(dir, "shard"+string(rune('0'+k))+".tar")
		mustRun(t, append(base, "--shard", string(rune('0'+k))+"/3", "--out", tarOut)...)
		b, _ := os.ReadFile(tarOut)
		ms := strings.SplitAfter(tarFiles(t, b), "\n")
		members = append(members, ms[:len(ms)-2]...) // all but manifest.csv and the empty tail
		npyOut := filepath.Join(dir, "shard"+string(rune('0'+k))+".npy")
		mustRun(t, append(base, "--shard", string(rune('0'+k))+"/3", "--out", npyOut)...)
		b, _ = os.ReadFile(npyOut)
		arrays = append(arrays, string(b))
	}
	ms := strings.SplitAfter(tarFiles(t, wholeTar), "\n")
	if strings.Join(members, "") != strings.Join(ms[:len(ms)-2], "") {
		t.Error("tar: the shards' members, in order, differ from the whole run's")
	}
	parts := make([][]byte, len(arrays))
	for i, a := range arrays {
		parts[i] = []byte(a)
	}
	if b, _ := os.ReadFile(wholeNpy); !bytes.Equal(joinNpy(t, parts), b) {
		t.Error("--out FILE.npy: the shards' arrays, concatenated, differ from the whole run's")
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// joinNpy concatenates (N,C,H,W) .npy arrays along N, as numpy.concatenate
// does, and writes the result as gan-gen would.
func joinNpy(t *testing.T, arrays [][]byte) []byte {
	t.Helper()
	var shape []int
	var data []float32
	for _, a := range arrays {
		s, d, err := npy.Read(bytes.NewReader(a))
		if err != nil {
			t.Fatal(err)
		}
		if shape == nil {
			shape = s
		} else {
			shape[0] += s[0]
		}
		data = append(data, d...)
	}
	var buf bytes.Buffer
	npy.Write(&buf, shape, data)
	return buf.Bytes()
}

// TestShardFromEnv: K comes from a Kubernetes Indexed Job's or a Slurm
// array's variable; the shard is the one --shard K/N names.
func TestShardFromEnv(t *testing.T) {
	needLibrary(t)
	dir := t.TempDir()
	base := []string{"--model", grayModel, "-n", "10", "--seed", "3"}
	shardOut := func(args ...string) string {
		t.Helper()
		out, _ := mustRun(t, append(append(base, "--out", "-"), args...)...)
		return tarFiles(t, out)
	}
	unset := func() {
		for _, v := range []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN"} {
			t.Setenv(v, "")
			os.Unsetenv(v)
		}
	}
	unset()
	want := shardOut("--shard", "2/3")
	t.Setenv("JOB_COMPLETION_INDEX", "2")
	if got := shardOut("--shard-from-env", "3"); got != want {
		t.Errorf("JOB_COMPLETION_INDEX=2: not shard 2/3")
	}
	unset()
	t.Setenv("SLURM_ARRAY_TASK_ID", "2")
	if got := shardOut("--shard-from-env", "3"); got != want {
		t.Errorf("SLURM_ARRAY_TASK_ID=2: not shard 2/3")
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "3")
	t.Setenv("SLURM_ARRAY_TASK_MIN", "1")
	if got := shardOut("--shard-from-env", "3"); got != want {
		t.Errorf("SLURM_ARRAY_TASK_ID=3 of an array from 1: not shard 2/3")
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "neither JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID"},
		{map[string]string{"JOB_COMPLETION_INDEX": "3"}, "JOB_COMPLETION_INDEX=3 is shard 3, outside 0-2"},
		{map[string]string{"JOB_COMPLETION_INDEX": "x"}, `JOB_COMPLETION_INDEX="x" is not a number`},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "1"}, "SLURM_ARRAY_TASK_ID=0 minus SLURM_ARRAY_TASK_MIN=1 is shard -1"},
	} {
		unset()
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		code, _, msg := runCLI(t, append(base, "--shard-from-env", "3", "--out", filepath.Join(dir, "x"))...)
		if code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.env, code, msg, c.want)
		}
	}
}

func TestShardFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	t.Setenv("JOB_COMPLETION_INDEX", "0")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "3/3"}, "--shard 3/3: want K/N"},
		{[]string{"--shard", "1"}, "--shard 1: want K/N"},
		{[]string{"--shard", "a/b"}, "want K/N"},
		{[]string{"--shard", "-1/2"}, "want K/N"},
		{[]string{"--shard", "0/0"}, "want K/N"},
		{[]string{"--shard-from-env", "0"}, "--shard-from-env 0: give the number of shards"},
		{[]string{"--shard", "0/2", "--shard-from-env", "2"}, "give one"},
		{[]string{"--shard", "0/2", "--grid", filepath.Join(dir, "g.png")}, "--grid shows the first images of a whole run"},
		{[]string{"--shard", "0/2", "--interpolate", "3"}, "cannot be split into shards"},
		{[]string{"-n", "2", "--shard", "0/3"}, "-n 2 is fewer images than shards"},
	} {
		code, _, msg := runCLI(t, append([]string{"--model", grayModel, "--out", out}, c.args...)...)
		if code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, msg, c.want)
		}
	}
}

// TestSlurmScript runs scripts/deploy/slurm-array.sh as Slurm would run
// task 1 of a two-task array, with this test binary as gan-gen: it writes
// the second half of the run.
func TestSlurmScript(t *testing.T) {
	needLibrary(t)
	dir := t.TempDir()
	want := filepath.Join(dir, "whole")
	mustRun(t, "--model", grayModel, "-n", "6", "--seed", "4", "--out", want)
	cmd := exec.Command("bash", "../../scripts/deploy/slurm-array.sh")
	cmd.Env = append(os.Environ(), "GAN_GEN_AS_MAIN=1", "GAN_GEN="+os.Args[0], "MODEL="+grayModel,
		"IMAGES=6", "SEED=4", "OUT="+dir, "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=2",
		"SLURM_ARRAY_TASK_MIN=0", "SLURM_CPUS_PER_TASK=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("slurm-array.sh: %v\n%s", err, out)
	}
	got, whole := readDir(t, filepath.Join(dir, "shard-1")), readDir(t, want)
	for _, name := range []string{"000003.png", "000004.png", "000005.png"} {
		if !bytes.Equal(got[name], whole[name]) {
			t.Errorf("shard-1's %s differs from the whole run's", name)
		}
	}
	if len(got) != 4 {
		t.Errorf("shard-1 holds %d files; want images 3-5 and the manifest", len(got))
	}
}
