package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/internal/version"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
)

// runOut runs gan-train in-process and returns its exit code, stdout and
// stderr.
func runOut(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out bytes.Buffer
	old := stdout
	stdout = &out
	defer func() { stdout = old }()
	code, errs := runCLI(t, args...)
	return code, out.String(), errs
}

// A usage error is one line on stderr and exit 2, as in gan-gen and
// gan-eval: the help is not printed, on stdout or anywhere.
func TestUsageErrorIsOneLine(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"--steps", "x"}, {"export", "--bogus"}, {"ls", "a", "b"}} {
		code, out, errs := runOut(t, args...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "gan-train: ") || !strings.Contains(errs, "--help") {
			t.Errorf("gan-train %v: exit %d, stdout %q, stderr %q; want exit 2 and one line naming the help", args, code, out, errs)
		}
	}
	t.Setenv("GAN_TRAIN_BATCH_SIZE", "many")
	if code, _, errs := runOut(t, "--dry-run"); code != 2 || !strings.Contains(errs, "GAN_TRAIN_BATCH_SIZE") {
		t.Errorf("a bad GAN_TRAIN_BATCH_SIZE: exit %d: %s", code, errs)
	}
}

// The three commands print one version: gogan's.
func TestVersion(t *testing.T) {
	code, out, _ := runOut(t, "--version")
	if code != 0 || out != "gan-train version "+version.String()+"\n" || !strings.HasPrefix(version.String(), train.Version) {
		t.Errorf("--version: exit %d, %q; want gan-train version %s", code, out, version.String())
	}
}

// Every flag names its value, lists its environment variable and gives
// its default once; the help shows examples of use.
func TestHelp(t *testing.T) {
	if p := command.HelpProblems(newApp(nil)); len(p) > 0 {
		t.Errorf("help problems:\n%s", strings.Join(p, "\n"))
	}
	code, out, _ := runOut(t, "--help")
	for _, want := range []string{"gan-train --dry-run", "gan-train ls [DIR]", "gan-train --resume runs/faces --steps 20000",
		"--lr-g LR ", "[$GAN_TRAIN_LR_G]", "--out DIR, -o DIR", "--quiet, -q", "--dry-run"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("gan-train --help lacks %q", want)
		}
	}
	if strings.Contains(out, "(default: 0)") && strings.Contains(out, "(default 28 for MNIST, 64 for folders) (default") {
		t.Error("gan-train --help prints --image-size's default twice")
	}
	_, out, _ = runOut(t, "project", "--help")
	if !strings.Contains(out, "[$GAN_TRAIN_PROJECT_STEPS]") || !strings.Contains(out, "-o DIR") {
		t.Errorf("gan-train project --help:\n%s", out)
	}
}

// --dry-run prints the data, the networks' sizes, the steps and the
// config, from flags and the environment, and writes nothing.
func TestDryRun(t *testing.T) {
	folder := writeFolder(t, 8, 28)
	t.Setenv("GAN_TRAIN_MODEL", "mlp")
	t.Setenv("GAN_TRAIN_BATCH_SIZE", "4")
	out := filepath.Join(t.TempDir(), "run")
	code, got, errs := runOut(t, "--data", folder, "--image-size", "28", "--channels", "1", "--conditional", "--epochs", "3", "--ema", "0.9", "-o", out, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	spec := models.Spec{Kind: "mlp", ZDim: 100, Size: 28, Channels: 1, Classes: 2}
	g, _ := models.NewGenerator(spec, rand.New(rand.NewPCG(1, 1)))
	d, _ := models.NewDiscriminator(spec, rand.New(rand.NewPCG(1, 1)))
	for _, want := range []string{
		"run folder:  " + out + " (new)\n",
		", 8 images of 1x28x28, 2 classes (cats, dogs)\n",
		"model:       conditional mlp, z_dim 100: generator " + thousands(countParams(g)) + " parameters, discriminator " + thousands(countParams(d)) + "\n",
		"moving average of the generator (--ema 0.9)",
		"steps:       6 (3 epochs of 2 batches of 4 images)\n",
		"config.json:\n{", `"kind": "mlp"`, `"batch_size": 4`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("--dry-run output lacks %q:\n%s", want, got)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--dry-run made %s (%v)", out, err)
	}
	if countParams(g) < 1000 || thousands(1234567) != "1,234,567" || thousands(999) != "999" {
		t.Errorf("parameter counts: %d, %s", countParams(g), thousands(1234567))
	}

	// Without --out the run would go to runs/; nothing is made there.
	t.Chdir(t.TempDir())
	if code, got, errs := runOut(t, "--data", folder, "--image-size", "28", "--steps", "2", "--dry-run"); code != 0 || !strings.Contains(got, "run folder:  runs/") {
		t.Errorf("exit %d: %s%s", code, got, errs)
	}
	if _, err := os.Stat("runs"); !os.IsNotExist(err) {
		t.Errorf("--dry-run made runs/ (%v)", err)
	}
	// Settings a real start refuses are refused too.
	if code, _, errs := runOut(t, "--data", folder, "--image-size", "28", "--batch-size", "64", "--dry-run"); code != 2 || !strings.Contains(errs, "--batch-size 64 is larger than the dataset") {
		t.Errorf("a batch larger than the data: exit %d: %s", code, errs)
	}
}

// A resumed run can be dry-run, and --quiet and --dry-run are not settings
// a resume refuses; the run folder is left as it was.
func TestDryRunResume(t *testing.T) {
	folder := writeFolder(t, 4, 28)
	run := filepath.Join(t.TempDir(), "run")
	if code, _, errs := runOut(t, "--data", folder, "--image-size", "28", "--channels", "1", "--model", "mlp", "--steps", "2", "--batch-size", "2", "--threads", "1", "-o", run, "-q"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	before := listFiles(t, run)
	code, got, errs := runOut(t, "--resume", run, "--steps", "5", "--dry-run", "--quiet")
	if code != 0 || !strings.Contains(got, "(resumed at step 2)") || !strings.Contains(got, "steps:       5 ") {
		t.Errorf("--resume --dry-run: exit %d:\n%s%s", code, got, errs)
	}
	if after := listFiles(t, run); after != before {
		t.Errorf("--dry-run changed the run folder:\n%s\n---\n%s", before, after)
	}
}

// listFiles describes every file under dir by path, size and content.
func listFiles(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			b.WriteString(p + " " + string(rune(len(data))) + string(data) + "\n")
		}
		return nil
	})
	return b.String()
}

// --quiet leaves only warnings on stderr; GAN_TRAIN_QUIET does the same.
func TestQuiet(t *testing.T) {
	folder := writeFolder(t, 4, 28)
	os.WriteFile(filepath.Join(folder, "cats", "broken.png"), []byte("not a png"), 0o644)
	args := []string{"--data", folder, "--image-size", "28", "--channels", "1", "--model", "mlp", "--steps", "2", "--batch-size", "2", "--threads", "1"}
	code, _, errs := runOut(t, append(args, "-o", filepath.Join(t.TempDir(), "loud"))...)
	if code != 0 || !strings.Contains(errs, "training mlp on") || !strings.Contains(errs, "warning:") {
		t.Fatalf("without --quiet: exit %d: %s", code, errs)
	}
	code, _, errs = runOut(t, append(args, "-o", filepath.Join(t.TempDir(), "quiet"), "--quiet")...)
	if code != 0 || strings.Contains(errs, "training") || strings.Contains(errs, "done") || !regexp.MustCompile(`^(warning[^\n]*\n)+$`).MatchString(errs) {
		t.Errorf("--quiet: exit %d, stderr %q; want the warnings only", code, errs)
	}
	t.Setenv("GAN_TRAIN_QUIET", "true")
	if code, _, errs = runOut(t, append(args, "-o", filepath.Join(t.TempDir(), "env"))...); code != 0 || strings.Contains(errs, "training") {
		t.Errorf("GAN_TRAIN_QUIET=true: exit %d: %s", code, errs)
	}
}

// writeRun writes a run folder with a config and the metrics rows given.
func writeRun(t *testing.T, dir, model string, rows ...string) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	cfg := train.DefaultConfig()
	cfg.Model.Kind = model
	f, err := os.Create(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.WriteJSON(f)
	f.Close()
	if rows != nil {
		os.WriteFile(filepath.Join(dir, "metrics.csv"), []byte(train.MetricsHeader+"\n"+strings.Join(rows, "\n")+"\n"), 0o644)
	}
}

// gan-train ls lists the runs of a folder with the last step and losses
// and the best FID with its step.
func TestLs(t *testing.T) {
	root := t.TempDir()
	writeRun(t, filepath.Join(root, "a-dcgan"), "dcgan",
		"100,0,1.25,0.75,0.1,-0.1,500.0,1.00,40.5,8.1",
		"200,0,1.5,0.5,0.1,-0.1,500.0,2.00,,",
		"300,1,1.125,0.875,0.1,-0.1,500.0,3.00,32.25,8.9",
		"400,1,1.0,1.0,0.1,-0.1,500.0,4.00,35,9.0",
		"500,1,1.0,1.0") // torn by a crash
	writeRun(t, filepath.Join(root, "b-mlp"), "mlp", "10,0,0.5,2,0,0,100.0,0.10,,")
	writeRun(t, filepath.Join(root, "c-new"), "vae")
	os.MkdirAll(filepath.Join(root, "not-a-run"), 0o755)
	code, got, errs := runOut(t, "ls", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "RUN      MODEL  DATA   STEP  LOSS_D  LOSS_G  BEST FID\n" +
		"a-dcgan  dcgan  mnist  400   1.0000  1.0000  32.25 @ 300\n" +
		"b-mlp    mlp    mnist  10    0.5000  2.0000  -\n" +
		"c-new    vae    mnist  -     -       -       -\n"
	if got != want {
		t.Errorf("gan-train ls:\n%s\nwant:\n%s", got, want)
	}
	if code, got, _ := runOut(t, "ls", filepath.Join(root, "b-mlp")); code != 0 || !strings.Contains(got, "\nb-mlp ") || strings.Contains(got, "a-dcgan") {
		t.Errorf("ls of one run: exit %d:\n%s", code, got)
	}
	t.Chdir(root)
	if code, _, errs := runOut(t, "ls"); code != 2 || !strings.Contains(errs, "runs: no such folder") {
		t.Errorf("ls without runs/: exit %d: %s", code, errs)
	}
	os.Rename(filepath.Join(root, "a-dcgan"), filepath.Join(root, "runs"))
	if code, got, _ := runOut(t, "ls"); code != 0 || !strings.Contains(got, "\nruns ") {
		t.Errorf("ls of runs/: exit %d:\n%s", code, got)
	}
}
