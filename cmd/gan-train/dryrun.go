package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/train"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/nn"
)

// dryRun prints what the run would be, on stdout, and trains and writes
// nothing: the run folder, the data, the networks with their parameter
// counts, the steps, and the config.json the run would record. The
// networks are built by train.Start in a temporary folder, removed after,
// so every check a real start makes is made.
func dryRun(c *cli.Context, cfg train.Config, ds data.Dataset, out string, timed train.RunOptions) error {
	tmp, err := os.MkdirTemp("", "gan-train-dry-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	r, err := train.Start(cfg, ds, train.RunOptions{Out: tmp, MaxTime: timed.MaxTime, Snapshots: timed.Snapshots})
	if err != nil {
		return err
	}
	defer r.Close()
	w := c.App.Writer
	cfg = r.Cfg
	fmt.Fprintln(w, "dry run: nothing is trained or written")
	folder := out + " (new)"
	if c.IsSet("resume") {
		folder = out + " (resumed from its start: no checkpoint yet)"
		if ck, err := train.ReadCheckpoint(filepath.Join(out, "checkpoints", "latest.ckpt")); err == nil {
			folder = fmt.Sprintf("%s (resumed at step %d)", out, ck.Meta.Step)
		}
	}
	fmt.Fprintf(w, "run folder:  %s\n", folder)
	fmt.Fprintf(w, "data:        %s\n", describeData(ds))
	p := r.Model().Parts()
	fmt.Fprintf(w, "model:       %s, z_dim %d: %s %s parameters, %s %s\n", modelName(cfg), cfg.Model.ZDim,
		p.GName, thousands(countParams(p.G)), p.DName, thousands(countParams(p.D)))
	if p.EMA != nil {
		fmt.Fprintf(w, "             and a moving average of the %s (--ema %g) for samples and export\n", p.GName, cfg.EMA)
	}
	per := ds.Len() / cfg.BatchSize
	fmt.Fprintf(w, "steps:       %d (%.3g epochs of %d batches of %d images)\n", r.Total(), float64(r.Total())/float64(per), per, cfg.BatchSize)
	if timed.MaxTime > 0 {
		fmt.Fprintf(w, "time limit:  %s of training\n", timed.MaxTime)
	}
	fmt.Fprintln(w, "config.json:")
	return cfg.WriteJSON(w)
}

func modelName(cfg train.Config) string {
	if cfg.Conditional {
		return "conditional " + cfg.Model.Kind
	}
	return cfg.Model.Kind
}

func describeData(ds data.Dataset) string {
	ch, h, wd := ds.Shape()
	s := fmt.Sprintf("%s, %d images of %dx%dx%d", ds.Name(), ds.Len(), ch, h, wd)
	if k := ds.NumClasses(); k > 0 {
		names := ds.ClassNames()
		if len(names) > 10 {
			names = append(names[:10:10], "...")
		}
		s += fmt.Sprintf(", %d classes (%s)", k, strings.Join(names, ", "))
	}
	return s
}

func countParams(m nn.Module) int {
	n := 0
	for _, p := range m.Params() {
		n += p.T.Numel()
	}
	return n
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
