package main

import (
	"strings"
	"testing"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/internal/version"
)

// A usage error is one line on stderr and exit 2, as in gan-train and
// gan-gen.
func TestUsageErrorIsOneLine(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"compare", "--bogus"}, {"train-features", "--epochs", "x"}} {
		code, out, errs := runCLI(t, args...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "gan-eval: ") || !strings.Contains(errs, "--help") {
			t.Errorf("gan-eval %v: exit %d, stdout %q, stderr %q; want exit 2 and one line naming the help", args, code, out, errs)
		}
	}
}

// The three commands print one version: gogan's.
func TestVersion(t *testing.T) {
	if code, out, _ := runCLI(t, "--version"); code != 0 || out != "gan-eval version "+version.String()+"\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

// Every flag names its value, lists its environment variable and gives
// its default once; -n is also --count, as in gan-gen, and -o is --out.
func TestHelp(t *testing.T) {
	if p := command.HelpProblems(newApp(nil, nil)); len(p) > 0 {
		t.Errorf("help problems:\n%s", strings.Join(p, "\n"))
	}
	_, out, _ := runCLI(t, "--help")
	_, tf, _ := runCLI(t, "train-features", "--help")
	for _, want := range []string{"-n N, --count N", "[$GAN_EVAL_COUNT]", "--quiet, -q", "train-features [--data DIR] -o FILE"} {
		if !strings.Contains(out, want) {
			t.Errorf("gan-eval --help lacks %q", want)
		}
	}
	if !strings.Contains(tf, "--out FILE, -o FILE") || !strings.Contains(tf, "[$GAN_EVAL_TRAIN_FEATURES_EPOCHS]") {
		t.Errorf("gan-eval train-features --help:\n%s", tf)
	}
}

// -n, --count and GAN_EVAL_COUNT set the same thing; --quiet drops the
// notices from stderr and leaves the report on stdout as it was.
func TestCountAndQuiet(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	writePNGs(t, dir, "", 30, 28, 1)
	base := append([]string{"--images", dir}, fastMetrics...)
	code, want, errs := runCLI(t, append(base, "-n", "20")...)
	if code != 0 || !strings.Contains(errs, "notice") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, out, _ := runCLI(t, append(base, "--count", "20")...); out != want {
		t.Errorf("--count 20 and -n 20 differ:\n%s\n%s", out, want)
	}
	t.Setenv("GAN_EVAL_COUNT", "20")
	code, out, errs := runCLI(t, append(base, "-q")...)
	if code != 0 || out != want || errs != "" {
		t.Errorf("GAN_EVAL_COUNT=20 -q: exit %d, stderr %q; report the same: %v", code, errs, out == want)
	}
}
