package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/train"
)

// changeable are the flags a resumed run may give with a new value: how
// long the run trains (--steps, --epochs) and this session's time limits
// (--max-time, --snapshot-at, measured on the run's whole training time).
var changeable = []string{"resume", "steps", "epochs", "max-time", "snapshot-at"}

// sessionOnly are the flags about this invocation rather than the run
// (what is printed, whether it trains): never saved, free with --resume.
var sessionOnly = []string{"quiet", "dry-run"}

// resumeConfig reads a run's settings and checks every other flag given
// against them, value by value: each must repeat its saved value. A flag
// that names no saved setting (one added later, say) is refused too, so
// that nothing given with --resume is silently ignored.
func resumeConfig(c *cli.Context, dir string) (train.Config, error) {
	path := filepath.Join(dir, "config.json")
	saved, err := train.ReadConfig(path)
	if err != nil {
		return saved, command.UsageError{Err: fmt.Errorf("--resume %s: %v", dir, err)}
	}
	may := "only " + flagList(changeable[1:]) + " may change"
	for _, fl := range c.App.Flags {
		f := fl.Names()[0] // not an alias such as -q
		if !c.IsSet(f) || slices.Contains(changeable, f) || slices.Contains(sessionOnly, f) {
			continue
		}
		want, ok := savedFlag(f, saved)
		if !ok {
			return saved, command.UsageError{Err: fmt.Errorf("--%s cannot be given with --resume: the run keeps the settings in %s; %s", f, path, may)}
		}
		got := fmt.Sprint(c.Value(f))
		if f == "data" {
			got, want = filepath.Clean(got), filepath.Clean(want)
		}
		if a, err := train.ParseAugment(got); f == "augment" && err == nil {
			got = a.String() // the saved policy is written as ParseAugment reads it
		}
		if got != want {
			if want == "" {
				want = `"" (unset for this model)`
			}
			return saved, command.UsageError{Err: fmt.Errorf("--%s %s differs from the saved run's --%s %s (%s); a resumed run keeps its settings: %s",
				f, got, f, want, path, may)}
		}
	}
	switch {
	case c.IsSet("steps"):
		saved.Steps, saved.Epochs = c.Int("steps"), 0
	case c.IsSet("epochs"):
		saved.Epochs, saved.Steps = c.Int("epochs"), 0
	}
	return saved, nil
}

// savedBackground is a folder run's --background; runs from before it
// read their images alpha-ignored, as --background none does.
func savedBackground(s train.Config) string {
	if s.Background == "" && s.Data != "mnist" {
		return "none"
	}
	return s.Background
}

// checkResumeLength refuses a --steps or --epochs that ends the run before
// the step its checkpoint has reached, before the run folder is touched.
// A folder without a readable checkpoint is left to Restore to explain.
func checkResumeLength(c *cli.Context, cfg train.Config, images int, dir string) error {
	ck, err := train.ReadCheckpoint(filepath.Join(dir, "checkpoints", "latest.ckpt"))
	if err != nil {
		return nil
	}
	total := cfg.TotalSteps(images)
	if done := ck.Meta.Step; done > total {
		given := fmt.Sprintf("--steps %d", cfg.Steps)
		if cfg.Steps == 0 {
			given = fmt.Sprintf("--epochs %d (%d steps)", cfg.Epochs, total)
		}
		if !c.IsSet("steps") && !c.IsSet("epochs") {
			given = "the saved length, " + given + ","
		}
		return command.UsageError{Err: fmt.Errorf("%s is fewer than the %d steps the run in %s has trained; give a larger --steps or --epochs to continue it",
			given, done, dir)}
	}
	return nil
}

func flagList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		switch {
		case i == len(names)-1 && i > 0:
			b.WriteString(" and ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString("--" + n)
	}
	return b.String()
}
