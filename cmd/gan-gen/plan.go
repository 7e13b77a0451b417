package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/infer"
)

// plan is a checked command line: what to generate and where to put it.
type plan struct {
	n, batch    int
	seed        uint64
	out         string  // --out as given
	kind        outKind // what --out names
	format      string  // png, jpeg or npy
	quality     int
	grid        string
	truncation  float64
	interpolate int
	slerp       bool
	overwrite   bool

	labelFlag string

	sink        infer.Sink     // where images go, made by bind for a folder or a file; nil for stdout
	dir         *infer.DirSink // the sink when out is a folder
	fileExisted bool           // out is FILE.npy or FILE.tar and was there before

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
	kind, err := outKindOf(p.out)
	if err != nil {
		return nil, err
	}
	p.kind = kind
	if kind == outNpy {
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
		case p.kind != outDir:
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
	switch p.kind {
	case outDir:
		if err := checkOutDir(p.out, p.overwrite); err != nil {
			return nil, err
		}
	case outNpy, outTar:
		if err := checkOutFile(p.out, p.overwrite); err != nil {
			return nil, err
		}
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

// outKind is what --out names.
type outKind int

const (
	outNone   outKind = iota
	outStdout         // -: a tar stream on stdout
	outDir            // a folder of images and manifest.csv
	outTar            // FILE.tar: the stream of --out -, in a file
	outNpy            // FILE.npy: all images in one stacked (N,C,H,W) float32 array
)

// fileLike are extensions that name a file gan-gen cannot write as --out;
// without this, --out x.png would quietly become a folder named x.png.
var fileLike = map[string]string{
	".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image", ".webp": "image",
	".npz": "archive", ".zip": "archive", ".gz": "archive", ".tgz": "archive", ".bz2": "archive", ".xz": "archive", ".zst": "archive",
	".csv": "file", ".json": "file", ".onnx": "file",
}

// outKindOf infers the kind of output from --out's name: -, a name ending
// in .npy or .tar, or else a folder. Names of other kinds of file are
// refused.
func outKindOf(out string) (outKind, error) {
	ext := strings.ToLower(filepath.Ext(out))
	switch {
	case out == "":
		return outNone, nil
	case out == "-":
		return outStdout, nil
	case ext == ".npy":
		return outNpy, nil
	case ext == ".tar":
		return outTar, nil
	}
	what, ok := fileLike[ext]
	if !ok {
		return outDir, nil
	}
	hint := ""
	if what == "image" {
		hint = fmt.Sprintf("; for a contact sheet, give --grid %s", out)
	}
	return outNone, usage("--out %s: gan-gen writes a folder (DIR), one stacked array (FILE.npy), a tar (FILE.tar) or a tar on stdout (-), not a %s %s%s",
		out, ext, what, hint)
}

// checkOutFile refuses an --out file that exists (unless --overwrite) or
// is a folder, before any work is done.
func checkOutFile(name string, overwrite bool) error {
	st, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--out %s: %v", name, unwrapPath(err))
	case st.IsDir():
		return usage("--out %s is a folder; a name ending in %s is written as one file: choose another name", name, filepath.Ext(name))
	case !overwrite:
		return usage("--out %s exists; choose a new name, or add --overwrite to replace it", name)
	}
	return nil
}

// checkOutDir refuses an --out that is a file, or a folder with files in it
// (unless --overwrite), before any work is done.
func checkOutDir(dir string, overwrite bool) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("--out %s: %v", dir, unwrapPath(err))
	case !st.IsDir():
		return usage("--out %s exists and is not a folder", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--out %s: %v", dir, unwrapPath(err))
	}
	if len(entries) > 0 && !overwrite {
		return usage("--out %s is not empty; choose a new folder, or add --overwrite to replace earlier gan-gen output there", dir)
	}
	return nil
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
	switch {
	case p.kind == outNone || p.kind == outStdout:
	case p.kind == outNpy:
		f, err := infer.CreateNpy(p.out)
		if err != nil {
			return fmt.Errorf("--out %w", err)
		}
		p.sink, p.fileExisted = f, f.Existed()
	case p.kind == outTar:
		t, err := infer.CreateTar(p.out)
		if err != nil {
			return fmt.Errorf("--out %w", err)
		}
		p.sink, p.fileExisted = t, t.Existed()
	case p.interpolate > 0:
		// Two files, each written atomically: no staging needed.
		if err := prepareDir(p.out); err != nil {
			return err
		}
	default:
		extra := "" // a --grid sheet inside --out goes with the images
		if p.grid != "" && infer.SamePath(filepath.Dir(p.grid), p.out) {
			extra = filepath.Base(p.grid)
		}
		d, err := infer.NewDirSink(p.out, extra)
		if err != nil {
			return fmt.Errorf("--out %w", err)
		}
		p.dir, p.sink = d, d
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
