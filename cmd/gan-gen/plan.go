package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/gogan/gan/infer"
)

// plan is a checked command line: what to generate and where to put it.
type plan struct {
	n, batch    int
	seed        uint64
	out         string // "": no image files; "-": a tar on stdout; else a folder
	format      string // png, jpeg or npy
	quality     int
	grid        string
	truncation  float64
	interpolate int
	slerp       bool
	overwrite   bool

	labelFlag string
	label     int // the --label class, or -1 to cycle through classes
	classes   int // 0 for an unconditional model

	dir *dirSink // where images go when out is a folder

	lat latentPlan // --latents, --direction
}

// planFromFlags checks everything that does not need the model.
func planFromFlags(c *cli.Context) (*plan, error) {
	p := &plan{
		n: c.Int("n"), batch: c.Int("batch"), seed: c.Uint64("seed"), out: c.String("out"),
		format: c.String("format"), quality: c.Int("quality"), grid: c.String("grid"),
		truncation: c.Float64("truncation"), interpolate: c.Int("interpolate"), slerp: c.Bool("slerp"),
		overwrite: c.Bool("overwrite"), labelFlag: c.String("label"), label: -1,
	}
	if p.format == "jpg" {
		p.format = "jpeg"
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
		case p.out == "" || p.out == "-":
			return nil, usage("--interpolate writes interpolation.png and interpolation.gif: give --out DIR")
		case p.grid != "":
			return nil, usage("--grid does not apply to --interpolate (its grid is DIR/interpolation.png)")
		}
	} else if p.out == "" && p.grid == "" {
		return nil, usage("nothing to write: give --out DIR (or --out - for a tar on stdout) and/or --grid FILE.png")
	}
	if p.n < 1 {
		return nil, usage("-n %d: must be at least 1", p.n)
	}
	if p.out == "-" && isTerminal(c.App.Writer) {
		return nil, usage("--out -: stdout is a terminal; redirect it, e.g. gan-gen ... --out - > images.tar")
	}
	if p.out != "" && p.out != "-" {
		if err := checkOutDir(p.out, p.overwrite); err != nil {
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

// samePath reports whether a and b name the same place, once made absolute
// and, where they exist, with symbolic links resolved.
func samePath(a, b string) bool {
	resolve := func(p string) string {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return p
	}
	return resolve(a) == resolve(b)
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
	in := g.Info()
	if in.Conditional {
		p.classes = len(in.Classes)
	}
	if p.labelFlag != "" {
		l, err := parseLabel(p.labelFlag, g)
		if err != nil {
			return err
		}
		p.label = l
	}
	if err := p.lat.bind(g); err != nil {
		return err
	}
	p.batch = min(p.batch, p.frames())
	switch {
	case p.out == "" || p.out == "-":
	case p.interpolate > 0:
		// Two files, each written atomically: no staging needed.
		if err := prepareDir(p.out); err != nil {
			return err
		}
	default:
		extra := "" // a --grid sheet inside --out goes with the images
		if p.grid != "" && samePath(filepath.Dir(p.grid), p.out) {
			extra = filepath.Base(p.grid)
		}
		d, err := newDirSink(p.out, extra)
		if err != nil {
			return err
		}
		p.dir = d
	}
	if p.grid != "" {
		if err := probeWritable(filepath.Dir(p.grid)); err != nil {
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
	return p.n
}

// labelOf is image i's class: --label, or the classes in turn; -1 for an
// unconditional model.
func (p *plan) labelOf(i int) int {
	switch {
	case p.classes == 0:
		return -1
	case p.label >= 0:
		return p.label
	}
	return i % p.classes
}

func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: cannot create the folder: %v; choose a folder you can write to", dir, unwrapPath(err))
	}
	if err := probeWritable(dir); err != nil {
		return fmt.Errorf("--out %s: %v", dir, err)
	}
	return nil
}

// isTerminal asks the terminal driver rather than checking for a character
// device, so that /dev/null counts as the file it is.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
