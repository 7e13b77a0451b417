package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/internal/atomicfile"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
)

// exportCommand is `gan-train export`: a run folder's latest checkpoint to
// an ONNX generator, written atomically.
func exportCommand() *cli.Command {
	return &cli.Command{
		Name:            "export",
		Usage:           "write a run's generator as ONNX (gan-train does this itself when a run finishes)",
		UsageText:       "gan-train export --run DIR [--raw] [-o FILE]",
		HideHelpCommand: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "run", Usage: "run `DIR` written by gan-train (its checkpoints/latest.ckpt is exported)"},
			&cli.BoolFlag{Name: "raw", Usage: "export G's own weights instead of their moving average (--ema)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "ONNX `FILE` to write (default DIR/" + train.ExportName + ", or DIR/generator-raw.onnx with --raw)"},
		},
		Action: exportAction,
	}
}

func exportAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return command.UsageError{Err: fmt.Errorf("unexpected argument %q; see gan-train export --help", c.Args().First())}
	}
	dir := c.String("run")
	if dir == "" {
		return command.UsageError{Err: fmt.Errorf("export needs --run DIR, the run folder to export")}
	}
	raw := c.Bool("raw")
	out := c.String("out")
	if out == "" {
		out = filepath.Join(dir, train.ExportName)
		if raw {
			out = filepath.Join(dir, "generator-raw.onnx")
		}
	}
	g, meta, err := train.RunGenerator(dir, raw)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(out, func(w io.Writer) error { return g.ExportONNX(w, meta) }); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "exported %s (%s weights, step %s) to %s\n", dir, meta[models.MetaWeights], meta[models.MetaSteps], out)
	return nil
}

// exportFinished writes a finished run's generator into its folder.
func exportFinished(r *train.Run, log io.Writer) error {
	path := filepath.Join(r.Dir, train.ExportName)
	if err := atomicfile.Write(path, func(w io.Writer) error { return r.Export(w, false) }); err != nil {
		return fmt.Errorf("%w (the checkpoint is saved; retry with: gan-train export --run %s)", err, r.Dir)
	}
	fmt.Fprintf(log, "exported the generator to %s\n", path)
	return nil
}
