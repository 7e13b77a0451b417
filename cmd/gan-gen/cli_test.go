package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/internal/version"
)

// A usage error is one line on stderr and exit 2, as in gan-train and
// gan-eval.
func TestUsageErrorIsOneLine(t *testing.T) {
	for _, args := range [][]string{{"--bogus"}, {"info", "--bogus"}, {"-n", "x"}} {
		code, out, errs := runCLI(t, args...)
		if code != 2 || len(out) != 0 || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "gan-gen: ") || !strings.Contains(errs, "--help") {
			t.Errorf("gan-gen %v: exit %d, stdout %q, stderr %q; want exit 2 and one line naming the help", args, code, out, errs)
		}
	}
}

// The three commands print one version: gogan's.
func TestVersion(t *testing.T) {
	if code, out, _ := runCLI(t, "--version"); code != 0 || string(out) != "gan-gen version "+version.String()+"\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

// Every flag names its value, lists its environment variable and gives
// its default once.
func TestHelp(t *testing.T) {
	if p := command.HelpProblems(newApp(nil, nil)); len(p) > 0 {
		t.Errorf("help problems:\n%s", strings.Join(p, "\n"))
	}
	_, out, _ := runCLI(t, "--help")
	for _, want := range []string{"-n N, --count N", "[$GAN_GEN_COUNT]", "--out PATH, -o PATH", "--quiet, -q"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("gan-gen --help lacks %q", want)
		}
	}
}

// GAN_GEN_COUNT sets -n; --quiet (or GAN_GEN_QUIET) leaves stderr empty
// when all goes well; the images are the same.
func TestEnvironmentAndQuiet(t *testing.T) {
	needLibrary(t)
	loud := filepath.Join(t.TempDir(), "loud")
	code, _, errs := runCLI(t, "--model", grayModel, "--count", "3", "-o", loud)
	if code != 0 || !strings.Contains(errs, "gan-gen: 3 images from") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Setenv("GAN_GEN_COUNT", "3")
	for i, args := range [][]string{{"-q"}, {"--quiet"}, {"--quiet=false"}} {
		out := filepath.Join(t.TempDir(), "out")
		code, _, errs := runCLI(t, append([]string{"--model", grayModel, "-o", out}, args...)...)
		if quiet := i < 2; code != 0 || (errs == "") != quiet {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
		if a, b := readManifest(t, loud), readManifest(t, out); strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("%v with GAN_GEN_COUNT=3: manifest %q, want %q", args, b, a)
		}
	}
	t.Setenv("GAN_GEN_QUIET", "1")
	if code, _, errs := runCLI(t, "--model", grayModel, "-o", filepath.Join(t.TempDir(), "env")); code != 0 || errs != "" {
		t.Errorf("GAN_GEN_QUIET=1: exit %d, stderr %q", code, errs)
	}
}

// /dev/null is not a terminal: a tar stream may go there.
func TestTarToDevNull(t *testing.T) {
	needLibrary(t)
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	var errs strings.Builder
	if code := run([]string{"gan-gen", "--model", grayModel, "-n", "2", "-o", "-"}, null, &errs); code != 0 {
		t.Errorf("--out - > /dev/null: exit %d: %s", code, errs.String())
	}
}
