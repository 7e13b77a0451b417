package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/infer"
)

// plan is a checked command line: what to generate and where to put it.
type plan struct {
	n, batch    int
	seed        uint64
	out         string           // --out as given
	kind        infer.OutputKind // what --out names
	format      string           // png, jpeg or npy
	quality     int
	grid        string
	truncation  float64
	interpolate int
	slerp       bool
	overwrite   bool

	labelFlag string

	o *infer.Output // where images go, made by bind

	lat    latentPlan   // --latents, --direction
	series infer.Series // which image is which, made by bind

	first, count int    // this run writes images first..first+count-1 of n (all n, unless --shard)
	shard        string // "K/N" with --shard or --shard-from-env, for messages
}

// planFromFlags checks everything that does not need the model.
func planFromFlags(c *cli.Context) (*plan, error) {
	p := &plan{
		n: c.Int("n"), batch: c.Int("batch"), seed: c.Uint64("seed"), out: c.String("out"),
		format: c.String("format"), quality: c.Int("quality"), grid: c.String("grid"),
		truncation: c.Float64("truncation"), interpolate: c.Int("interpolate"), slerp: c.Bool("slerp"),
		overwrite: c.Bool("overwrite"), labelFlag: c.String("label"),
	}
	if p.format == "jpg" {
		p.format = "jpeg"
	}
	kind, err := infer.OutputKindOf(p.out)
	if err != nil {
		return nil, outError(err)
	}
	p.kind = kind
	if kind == infer.OutputNpy {
		if c.IsSet("format") && p.format != "npy" {
			return nil, usage("--out %s writes one stacked float32 .npy array; --format %s does not apply (leave it out, or give --out DIR)", p.out, p.format)
		}
		p.format = "npy"
	}
	switch {
	case p.batch < 1:
		return nil, usage("--batch %d: must be at least 1", p.batch)
	case p.format != "png" && p.format != "jpeg" && p.format != "npy":
		return nil, usage("--format %s: want png, jpeg or npy", p.format)
	case p.quality < 1 || p.quality > 100:
		return nil, usage("--quality %d: want 1-100", p.quality)
	case c.IsSet("quality") && p.format != "jpeg":
		return nil, usage("--quality applies to --format jpeg, not %s", p.format)
	case p.interpolate < 0:
		return nil, usage("--interpolate %d: give the number of steps between seeds (at least 1)", p.interpolate)
	case p.slerp && p.interpolate == 0:
		return nil, usage("--slerp applies to --interpolate K")
	}
	if err := infer.CheckTruncation(p.truncation); err != nil {
		return nil, usage("--truncation %g: want 0 (off) or a threshold of at least %g, e.g. 0.7", p.truncation, infer.MinTruncation)
	}
	if p.interpolate > 0 && !c.IsSet("n") {
		p.n = 4
	}
	if err := p.lat.fromFlags(c, p); err != nil {
		return nil, err
	}
	if p.interpolate > 0 {
		switch {
		case p.n < 2:
			return nil, usage("-n %d: --interpolate walks between at least 2 seeds", p.n)
		case p.kind != infer.OutputDir:
			return nil, usage("--interpolate writes interpolation.png and interpolation.gif into a folder: give --out DIR")
		case p.grid != "":
			return nil, usage("--grid does not apply to --interpolate (its grid is DIR/interpolation.png)")
		}
	} else if p.out == "" && p.grid == "" {
		return nil, usage("nothing to write: give --out DIR (or FILE.npy, FILE.tar, or - for a tar on stdout) and/or --grid FILE.png")
	}
	if p.n < 1 {
		return nil, usage("-n %d: must be at least 1", p.n)
	}
	if err := p.shardFromFlags(c); err != nil {
		return nil, err
	}
	if p.out == "-" && command.IsTerminal(c.App.Writer) {
		return nil, usage("--out -: stdout is a terminal; redirect it, e.g. gan-gen ... --out - > images.tar")
	}
	if err := infer.CheckOutput(p.kind, p.out, p.overwrite); err != nil {
		return nil, outError(err)
	}
	if p.grid != "" {
		if st, err := os.Stat(filepath.Dir(p.grid)); err != nil || !st.IsDir() {
			return nil, usage("--grid %s: folder %s does not exist", p.grid, filepath.Dir(p.grid))
		}
	}
	return p, nil
}

// maxGrid caps the contact sheet: beyond a thousand thumbnails a sheet
// stops being something to look at.
const maxGrid = 1024

// The files a run writes besides the images (see package infer).
const (
	manifestName = infer.ManifestName
	stackedName  = infer.StackedName
)

// outError words infer's refusal of --out for the command line.
func outError(err error) error {
	var ne *infer.OutputNameError
	var oe *infer.OutputError
	switch {
	case errors.As(err, &ne):
		hint := ""
		if ne.What == "image" {
			hint = fmt.Sprintf("; for a contact sheet, give --grid %s", ne.Name)
		}
		return usage("--out %s: gan-gen writes a folder (DIR), one stacked array (FILE.npy), a tar (FILE.tar) or a tar on stdout (-), not a %s %s%s",
			ne.Name, ne.Ext, ne.What, hint)
	case !errors.As(err, &oe):
		return err
	case errors.Is(err, infer.ErrOutputIsFolder):
		return usage("--out %s is a folder; a name ending in %s is written as one file: choose another name", oe.Name, filepath.Ext(oe.Name))
	case errors.Is(err, infer.ErrOutputExists):
		return usage("--out %s exists; choose a new name, or add --overwrite to replace it", oe.Name)
	case errors.Is(err, infer.ErrOutputNotFolder):
		return usage("--out %s exists and is not a folder", oe.Name)
	case errors.Is(err, infer.ErrOutputNotEmpty):
		return usage("--out %s is not empty; choose a new folder, or add --overwrite to replace earlier gan-gen output there", oe.Name)
	}
	return fmt.Errorf("--out %s: %v", oe.Name, oe.Err)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// bind checks the flags that depend on the model, then makes the output
// folder and proves it writable, all before any image is generated.
func (p *plan) bind(c *cli.Context, g *infer.Generator) error {
	p.series = infer.SeriesFor(g, p.seed)
	p.series.Truncation = p.truncation
	if p.labelFlag != "" {
		l, err := parseLabel(p.labelFlag, g)
		if err != nil {
			return err
		}
		p.series.Labels = []int{l}
	}
	if err := p.lat.bind(g, &p.series); err != nil {
		return err
	}
	p.batch = min(p.batch, p.frames())
	if p.interpolate > 0 { // two files, each written atomically: no staging needed
		if err := prepareDir(p.out); err != nil {
			return err
		}
	} else {
		keep := "" // a --grid sheet inside --out goes with the images
		if p.kind == infer.OutputDir && p.grid != "" && infer.SamePath(filepath.Dir(p.grid), p.out) {
			keep = filepath.Base(p.grid)
		}
		o, err := infer.OpenOutput(p.kind, p.out, c.App.Writer, keep)
		if err != nil {
			return fmt.Errorf("--out %w", err)
		}
		p.o = o
	}
	if p.grid != "" {
		if err := infer.ProbeWritable(filepath.Dir(p.grid)); err != nil {
			return fmt.Errorf("--grid %s: %v", p.grid, err)
		}
	}
	return nil
}

// frames is how many images the run generates.
func (p *plan) frames() int {
	if p.interpolate > 0 {
		return (p.n-1)*p.interpolate + 1
	}
	return p.count
}

func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: cannot create the folder: %v; choose a folder you can write to", dir, unwrapPath(err))
	}
	if err := infer.ProbeWritable(dir); err != nil {
		return fmt.Errorf("--out %s: %v", dir, err)
	}
	return nil
}
