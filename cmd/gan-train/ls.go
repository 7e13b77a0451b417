package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/train"
)

func lsCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Usage:     "list the runs in a folder (runs/ by default): model, data, step reached, last losses, best FID",
		UsageText: "gan-train ls [DIR]\ngan-train ls runs/faces-dcgan-20250101-120000   (one run)",
		Action:    lsAction,
	}
}

// runRow is what gan-train ls shows of a run.
type runRow struct {
	name, model, data string
	step              int // -1: no metrics yet
	lossD, lossG      float64
	fid               float64 // NaN: never scored (--eval-every 0)
	fidStep           int
}

func lsAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return command.UsageError{Err: fmt.Errorf("unexpected argument %q: give one folder; see gan-train ls --help", c.Args().Get(1))}
	}
	dir := "runs"
	if c.NArg() == 1 {
		dir = c.Args().First()
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return command.UsageError{Err: fmt.Errorf("%s: no such folder; runs go to runs/ unless --out said otherwise: gan-train ls DIR", dir)}
	}
	var runs []string
	if isRunDir(dir) {
		runs = []string{dir}
	} else {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if p := filepath.Join(dir, e.Name()); e.IsDir() && isRunDir(p) {
				runs = append(runs, p)
			}
		}
	}
	if len(runs) == 0 {
		fmt.Fprintf(c.App.ErrWriter, "no runs in %s (a run folder holds config.json)\n", dir)
		return nil
	}
	tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tMODEL\tDATA\tSTEP\tLOSS_D\tLOSS_G\tBEST FID")
	for _, p := range runs {
		r := readRunRow(p)
		step, fid := "-", "-"
		if r.step >= 0 {
			step = strconv.Itoa(r.step)
		}
		if !math.IsNaN(r.fid) {
			fid = fmt.Sprintf("%.2f @ %d", r.fid, r.fidStep)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.name, r.model, r.data, step, loss(r.lossD), loss(r.lossG), fid)
	}
	return tw.Flush()
}

func isRunDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "config.json"))
	return err == nil
}

// readRunRow summarises the run in dir from its config.json and
// metrics.csv; what cannot be read shows as "?".
func readRunRow(dir string) runRow {
	r := runRow{name: filepath.Base(dir), model: "?", data: "?", step: -1, lossD: math.NaN(), lossG: math.NaN(), fid: math.NaN()}
	if cfg, err := train.ReadConfig(filepath.Join(dir, "config.json")); err == nil {
		r.model, r.data = modelName(cfg), dataName(cfg.Data)
	}
	recs, _ := train.ReadMetrics(filepath.Join(dir, "metrics.csv"))
	if len(recs) == 0 {
		return r
	}
	last := recs[len(recs)-1]
	r.step, r.lossD, r.lossG = last.Step, last.LossD, last.LossG
	for _, rec := range recs {
		if !math.IsNaN(rec.FID) && (math.IsNaN(r.fid) || rec.FID < r.fid) {
			r.fid, r.fidStep = rec.FID, rec.Step
		}
	}
	return r
}

func loss(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}
