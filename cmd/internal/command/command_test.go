package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/internal/version"
)

type libUsage struct{}

func (libUsage) Error() string { return "bad setting" }

var errLibStop = errors.New("stopped")

func TestCode(t *testing.T) {
	rules := []Rule{UsageAs[libUsage](), InterruptedBy(errLibStop)}
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("disk full"), 1},
		{Usagef("--n %d", -1), 2},
		{fmt.Errorf("wrapped: %w", Usagef("x")), 2},
		{fmt.Errorf("wrapped: %w", libUsage{}), 2},
		{ErrInterrupted, 130},
		{fmt.Errorf("after 3 images: %w", context.Canceled), 130},
		{fmt.Errorf("step 4: %w", errLibStop), 130},
	} {
		if got := Code(c.err, rules...); got != c.want {
			t.Errorf("Code(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if got := Code(libUsage{}); got != 1 {
		t.Errorf("without its rule a library's error is a failure: got %d", got)
	}
}

// testApp is a small command with a subcommand, set up as the real ones.
func testApp(stdout, stderr io.Writer, action func(*cli.Context) error) *cli.App {
	shared := &cli.IntFlag{Name: "n", Aliases: []string{"count"}, Value: 64, Usage: "`N` images"}
	return Setup(&cli.App{
		Name:      "tool",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			shared,
			&cli.Float64Flag{Name: "lr-g", Value: 2e-4, Usage: "learning rate `LR` (default 2e-4; a VAE's: 1e-3)"},
			&cli.IntFlag{Name: "threads", Usage: "`N` threads (0: all cores)"},
			&cli.BoolFlag{Name: "strict", Usage: "stop on a bad image"},
		},
		Action: action,
		Commands: []*cli.Command{{
			Name:   "sub",
			Flags:  []cli.Flag{shared, &cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "`FILE` to write"}},
			Action: action,
		}},
	}, "TOOL")
}

func runTool(t *testing.T, args ...string) (code int, stdout, stderr string, seen *cli.Context) {
	t.Helper()
	var out, errb bytes.Buffer
	app := testApp(&out, &errb, func(c *cli.Context) error {
		seen = c
		fmt.Fprintln(c.App.ErrWriter, "tool: 3 images written")
		fmt.Fprintln(c.App.ErrWriter, "tool: warning: image 2 is blank")
		if c.Int("n") < 0 {
			return Usagef("-n %d: give 0 or more", c.Int("n"))
		}
		return nil
	})
	code = Run(app, append([]string{"tool"}, args...))
	return code, out.String(), errb.String(), seen
}

// A usage error, from a flag urfave/cli rejects, a value in the
// environment that does not parse, or the command's own checks, is one
// line on stderr and exit 2; the help is not printed.
func TestUsageErrorIsOneLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  [2]string
		want string
	}{
		{[]string{"--no-such-flag"}, [2]string{}, "tool: flag provided but not defined: -no-such-flag; see tool --help\n"},
		{[]string{"-n", "x"}, [2]string{}, `tool: invalid value "x" for flag -n: parse error; see tool --help` + "\n"},
		{[]string{"sub", "--bad"}, [2]string{}, "tool: flag provided but not defined: -bad; see tool sub --help\n"},
		{nil, [2]string{"TOOL_THREADS", "many"}, `tool: could not parse "many" as int value from environment variable "TOOL_THREADS" for flag threads: strconv.ParseInt: parsing "many": invalid syntax; see tool --help` + "\n"},
		{[]string{"-n", "-1"}, [2]string{}, "tool: 3 images written\ntool: warning: image 2 is blank\ntool: -n -1: give 0 or more\n"},
	} {
		if c.env[0] != "" {
			t.Setenv(c.env[0], c.env[1])
		}
		code, out, errs, _ := runTool(t, c.args...)
		if code != ExitUsage || errs != c.want || out != "" {
			t.Errorf("tool %v (env %v): exit %d, stdout %q, stderr %q; want exit 2, stderr %q", c.args, c.env, code, out, errs, c.want)
		}
		if c.env[0] != "" {
			t.Setenv(c.env[0], "")
		}
	}
}

// Every flag can come from the environment: PREFIX_FLAG for the app's,
// PREFIX_COMMAND_FLAG for a subcommand's own, the app's name for a flag
// both share; the command line wins.
func TestFlagsFromEnvironment(t *testing.T) {
	t.Setenv("TOOL_COUNT", "7")
	t.Setenv("TOOL_LR_G", "0.5")
	t.Setenv("TOOL_STRICT", "true")
	t.Setenv("TOOL_SUB_OUT", "x.npy")
	t.Setenv("TOOL_OUT", "wrong.npy")
	_, _, errs, c := runTool(t)
	if c == nil || c.Int("n") != 7 || c.Float64("lr-g") != 0.5 || !c.Bool("strict") || !c.IsSet("strict") {
		t.Fatalf("flags from the environment not applied: %s", errs)
	}
	if _, _, _, c = runTool(t, "--count", "9"); c.Int("n") != 9 {
		t.Errorf("the command line should win over TOOL_COUNT: -n %d", c.Int("n"))
	}
	if _, _, _, c = runTool(t, "sub"); c.Int("n") != 7 || c.String("out") != "x.npy" {
		t.Errorf("tool sub: -n %d, --out %q; want 7 (TOOL_COUNT) and x.npy (TOOL_SUB_OUT)", c.Int("n"), c.String("out"))
	}
}

// Help names every value's placeholder, lists the environment variables,
// and gives a default once: not for a switch, not where the usage says it.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"sub", "--help"}} {
		code, out, _, _ := runTool(t, args...)
		if code != 0 {
			t.Fatalf("tool %v: exit %d", args, code)
		}
		checkHelp(t, "tool "+strings.Join(args, " "), out)
	}
	_, out, _, _ := runTool(t, "--help")
	for _, want := range []string{
		"-n N, --count N  N images (default: 64) [$TOOL_COUNT]",
		"--lr-g LR        learning rate LR (default 2e-4; a VAE's: 1e-3) [$TOOL_LR_G]\n",
		"--threads N      N threads (0: all cores) [$TOOL_THREADS]\n",
		"--strict         stop on a bad image [$TOOL_STRICT]\n",
		"--quiet, -q ", "[$TOOL_QUIET]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tool --help lacks %q:\n%s", want, out)
		}
	}
	_, out, _, _ = runTool(t, "sub", "--help")
	if !strings.Contains(out, "--out FILE, -o FILE  FILE to write [$TOOL_SUB_OUT]") || !strings.Contains(out, "[$TOOL_COUNT]") {
		t.Errorf("tool sub --help:\n%s", out)
	}
}

// checkHelp fails for a help text that prints a flag's default twice or
// for a switch, or that has a flag without a placeholder ("value").
func checkHelp(t *testing.T, what, help string) {
	t.Helper()
	for _, line := range strings.Split(help, "\n") {
		l := strings.TrimSpace(line)
		if !strings.HasPrefix(l, "-") {
			continue
		}
		lower := strings.ToLower(l)
		if i := strings.Index(lower, "(default: "); i >= 0 && strings.Contains(lower[:i], "default") {
			t.Errorf("%s: a default said twice: %s", what, l)
		}
		if strings.Contains(l, "(default: false)") || strings.Contains(l, "(default: true)") {
			t.Errorf("%s: a switch with a default: %s", what, l)
		}
		if strings.Contains(l, " value") && strings.Index(l, " value") < strings.Index(l+"  ", "  ") {
			t.Errorf("%s: a flag without a placeholder: %s", what, l)
		}
		if strings.Contains(l, "0:") && strings.Contains(l, "(default: 0") {
			t.Errorf("%s: the zero value explained and printed: %s", what, l)
		}
	}
}

// With --quiet (anywhere, or TOOL_QUIET) stderr keeps warnings and the
// error; stdout is untouched.
func TestQuiet(t *testing.T) {
	for _, args := range [][]string{{"--quiet"}, {"-q", "sub"}, {"sub", "-q"}} {
		code, _, errs, _ := runTool(t, args...)
		if code != 0 || errs != "tool: warning: image 2 is blank\n" {
			t.Errorf("tool %v: exit %d, stderr %q; want only the warning", args, code, errs)
		}
	}
	if _, _, errs, _ := runTool(t, "-q", "-n", "-1"); errs != "tool: warning: image 2 is blank\ntool: -n -1: give 0 or more\n" {
		t.Errorf("an error under --quiet: stderr %q", errs)
	}
	t.Setenv("TOOL_QUIET", "1")
	if _, _, errs, _ := runTool(t, "sub"); errs != "tool: warning: image 2 is blank\n" {
		t.Errorf("TOOL_QUIET=1: stderr %q", errs)
	}
}

func TestWarningsOnly(t *testing.T) {
	var b bytes.Buffer
	w := WarningsOnly(&b)
	for _, s := range []string{"\r[==>   ] 3/10", "\r\033[K[=====>] 10/10\n", "warning: a", "t once\n", "note: x\n",
		"gan-gen: warning: fell back to cpu\nstep 5 done\nwarning at step 6: NaN\n", "warning without a newline"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if want := "warning: at once\ngan-gen: warning: fell back to cpu\nwarning at step 6: NaN\n"; b.String() != want {
		t.Errorf("passed %q, want %q", b.String(), want)
	}
}

func TestVersion(t *testing.T) {
	code, out, _, _ := runTool(t, "--version")
	if code != 0 || out != "tool version "+version.String()+"\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

func TestPlaceholder(t *testing.T) {
	for _, c := range []struct{ in, name, text string }{
		{"`DIR` of images", "DIR", "DIR of images"},
		{"generator `FILE`.onnx", "FILE", "generator FILE.onnx"},
		{"no placeholder", "", "no placeholder"},
		{"one `quote", "", "one `quote"},
	} {
		if n, txt := Placeholder(c.in); n != c.name || txt != c.text {
			t.Errorf("Placeholder(%q) = %q, %q", c.in, n, txt)
		}
	}
}

func TestHelpProblems(t *testing.T) {
	if p := HelpProblems(testApp(io.Discard, io.Discard, nil)); len(p) > 0 {
		t.Errorf("the test app: %q", p)
	}
	app := testApp(io.Discard, io.Discard, nil)
	app.Flags = append(app.Flags,
		&cli.IntFlag{Name: "batch", Usage: "images per run", EnvVars: []string{"TOOL_BATCH"}},
		&cli.IntFlag{Name: "size", Usage: "`SIDE` (default 28)", Value: 28, DefaultText: "28", EnvVars: []string{"TOOL_SIZE"}},
		&cli.BoolFlag{Name: "fast", Usage: "go fast"})
	p := HelpProblems(app)
	if len(p) != 2 || !strings.Contains(p[0], "--batch value") || !strings.Contains(p[1], "--fast") {
		t.Errorf("problems %q; want the placeholder of --batch and the variable of --fast", p)
	}
}
