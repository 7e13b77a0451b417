package main

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/internal/atomicfile"
	"github.com/gogan/gan/internal/sheet"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/eval"
	"github.com/gogan/gan/train/tensor"
)

// projectFlags are the optimisation flags project and direction share,
// with their own defaults for the step and restart counts.
func projectFlags(steps, restarts int) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "run", Usage: "run `DIR` written by gan-train (its checkpoints/latest.ckpt is used)"},
		&cli.BoolFlag{Name: "raw", Usage: "use G's own weights instead of their moving average (--ema)"},
		&cli.IntFlag{Name: "steps", Value: steps, Usage: "`N` Adam steps on z per restart"},
		&cli.Float64Flag{Name: "lr", Value: 0.05, Usage: "Adam learning rate `LR` on z (cosine-decayed to 0)"},
		&cli.StringFlag{Name: "loss", Value: "l2", Usage: "pixel `LOSS`: l2 or l1"},
		&cli.Float64Flag{Name: "feature-weight", Usage: "weight `W` of a feature loss from gan-eval's MNIST network, e.g. 0.01 (0: pixels only; 1x28x28 models only; triples the time)"},
		&cli.IntFlag{Name: "restarts", Value: restarts, Usage: "`N` random starting latents per image; the best is kept"},
		&cli.BoolFlag{Name: "free", Usage: "let latents leave the sphere of radius sqrt(z_dim) where N(0,1) latents lie (closer fits, worse latents to edit)"},
		&cli.BoolFlag{Name: "refine", Usage: "vae runs: refine the encoder's latents by gradient descent (the flags above) instead of taking them as they are"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "`SEED` of the starting latents"},
		&cli.IntFlag{Name: "threads", Usage: "`N` kernel threads (0: all cores)"},
	}
}

// projectCommand is `gan-train project`: the latents that best reproduce
// given images under a run's generator.
func projectCommand() *cli.Command {
	return &cli.Command{
		Name:  "project",
		Usage: "find the latents whose generated images best reproduce given images",
		UsageText: "gan-train project --run DIR --out DIR [flags] IMAGE...\n" +
			"gan-train project --run DIR --out DIR --mnist-test 8 [--mnist-test-class D]",
		HideHelpCommand: true,
		Flags: append(projectFlags(300, 4),
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "`DIR` for latents.npy, the reconstructions, compare.png and errors.csv (new or empty)"},
			&cli.IntFlag{Name: "mnist-test", Usage: "project the first `K` MNIST test digits instead of IMAGE files (0: the IMAGE files)"},
			&cli.IntSliceFlag{Name: "mnist-test-class", Usage: "with --mnist-test K: the first K test digits of the classes `D[,D...]` (0-9) only, in test-set order"},
			&cli.StringFlag{Name: "label", Usage: "class index or name `K` of the images, for a conditional model (--mnist-test uses the true digits)"},
			&cli.StringFlag{Name: "background", Usage: "`COLOUR` transparent pixels of the IMAGE files are composited over: black, white, #rrggbb or none (default: the run's --background)"},
		),
		Action: projectAction,
	}
}

// latentJob is a run's generator with the projection settings from flags.
type latentJob struct {
	g    *models.Generator
	enc  *models.Encoder // a vae run's encoder, else nil
	spec models.Spec
	cfg  train.Config
	opt  train.ProjectOptions
	log  io.Writer
	// refine: a vae's encoder latents are the start of a projection, not
	// the answer.
	refine bool
}

// method says in words how latents are found.
func (j *latentJob) method() string {
	switch {
	case j.enc != nil && !j.refine:
		return "the vae encoder's posterior means"
	case j.enc != nil:
		return fmt.Sprintf("the vae encoder's means refined by %s loss, feature weight %g, %d steps", j.opt.Loss, j.opt.FeatureWeight, j.opt.Steps)
	}
	return fmt.Sprintf("%s loss, feature weight %g, %d restarts x %d steps", j.opt.Loss, j.opt.FeatureWeight, j.opt.Restarts, j.opt.Steps)
}

// newLatentJob checks the shared flags and loads the run's generator and,
// when it fits, the feature network.
func newLatentJob(c *cli.Context) (*latentJob, error) {
	dir := c.String("run")
	if dir == "" {
		return nil, command.UsageError{Err: fmt.Errorf("%s needs --run DIR, the run folder written by gan-train", c.Command.Name)}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, command.UsageError{Err: fmt.Errorf("--run %s: no such run folder (give the folder gan-train wrote, with config.json and checkpoints/)", dir)}
	}
	j := &latentJob{log: c.App.ErrWriter}
	j.opt = train.ProjectOptions{Steps: c.Int("steps"), LR: c.Float64("lr"), Loss: c.String("loss"),
		Restarts: c.Int("restarts"), Seed: c.Uint64("seed"), FeatureWeight: c.Float64("feature-weight"), Sphere: !c.Bool("free")}
	switch {
	case j.opt.Steps < 1:
		return nil, command.UsageError{Err: fmt.Errorf("--steps %d: want at least 1", j.opt.Steps)}
	case !(j.opt.LR > 0):
		return nil, command.UsageError{Err: fmt.Errorf("--lr %g: want a positive learning rate, e.g. 0.05", j.opt.LR)}
	case j.opt.Loss != "l2" && j.opt.Loss != "l1":
		return nil, command.UsageError{Err: fmt.Errorf("--loss %s: want l2 or l1", j.opt.Loss)}
	case j.opt.Restarts < 1:
		return nil, command.UsageError{Err: fmt.Errorf("--restarts %d: want at least 1", j.opt.Restarts)}
	case !(j.opt.FeatureWeight >= 0):
		return nil, command.UsageError{Err: fmt.Errorf("--feature-weight %g: want 0 (off) or more", j.opt.FeatureWeight)}
	case c.Int("threads") < 0:
		return nil, command.UsageError{Err: fmt.Errorf("--threads %d: must not be negative (0 means all cores)", c.Int("threads"))}
	}
	g, _, err := train.RunGenerator(dir, c.Bool("raw"))
	if err != nil {
		return nil, err
	}
	cfg, err := train.ReadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	j.g, j.spec, j.cfg = g, g.Spec, cfg
	if g.Spec.Kind == "vae" {
		if j.enc, err = train.RunEncoder(dir); err != nil {
			return nil, err
		}
		j.refine = c.Bool("refine")
	} else if c.Bool("refine") {
		return nil, command.UsageError{Err: fmt.Errorf("--refine applies to vae runs; this is a %s run, projected by gradient descent anyway", g.Spec.Kind)}
	}
	if j.opt.FeatureWeight > 0 {
		net, err := eval.DefaultFeatureNet()
		if err != nil {
			return nil, err
		}
		lenet := net.Model()
		if lenet.C != j.spec.Channels || lenet.H != j.spec.Size || lenet.W != j.spec.Size {
			return nil, command.UsageError{Err: fmt.Errorf("--feature-weight: the feature network takes %dx%dx%d images and this model makes %dx%dx%d; leave --feature-weight out",
				lenet.C, lenet.H, lenet.W, j.spec.Channels, j.spec.Size, j.spec.Size)}
		}
		j.opt.Features = lenet
	}
	setThreads(c.Int("threads"))
	return j, nil
}

// project finds the targets' latents: a vae run's encoder means, refined
// or not, or a projection with a progress line every tenth of the way.
func (j *latentJob) project(target *tensor.Tensor, labels []int) (*train.Projection, error) {
	opt := j.opt
	opt.Labels = labels
	if j.enc != nil {
		p, err := train.Encode(j.enc, j.g, target, labels, opt.Seed)
		if err != nil || !j.refine {
			return p, err
		}
		// Posterior means sit well inside the sphere (unused units are
		// near 0), so the refinement starts from them as they are.
		opt.Init, opt.Restarts, opt.Sphere = p.Z, 1, false
	}
	next := 0.1
	opt.Progress = func(done, total int, loss float64) {
		if f := float64(done) / float64(total); f >= next {
			fmt.Fprintf(j.log, "  %3.0f%%  loss %.4f\n", 100*f, loss)
			for next <= f {
				next += 0.1
			}
		}
	}
	return train.Project(j.g, j.spec.ZDim, target, opt)
}

func projectAction(c *cli.Context) error {
	out := c.String("out")
	k := c.Int("mnist-test")
	switch {
	case out == "":
		return command.UsageError{Err: errors.New("project needs --out DIR for the latents and reconstructions")}
	case k < 0:
		return command.UsageError{Err: fmt.Errorf("--mnist-test %d: give the number of test digits", k)}
	case k > 0 && c.NArg() > 0:
		return command.UsageError{Err: errors.New("give IMAGE files or --mnist-test K, not both")}
	case k == 0 && c.NArg() == 0:
		return command.UsageError{Err: errors.New("nothing to project: give IMAGE files, or --mnist-test K; see gan-train project --help")}
	case c.IsSet("mnist-test-class") && k == 0:
		return command.UsageError{Err: errors.New("--mnist-test-class applies to --mnist-test K")}
	}
	for _, d := range c.IntSlice("mnist-test-class") {
		if d < 0 || d > 9 {
			return command.UsageError{Err: fmt.Errorf("--mnist-test-class %d: want digits 0-9", d)}
		}
	}
	if err := checkNewDir(out); err != nil {
		return err
	}
	j, err := newLatentJob(c)
	if err != nil {
		return err
	}
	target, names, labels, err := j.targets(c)
	if err != nil {
		return err
	}
	n := target.Dim(0)
	fmt.Fprintf(j.log, "projecting %d images through %s (z_dim %d): %s\n", n, c.String("run"), j.spec.ZDim, j.method())
	p, err := j.project(target, labels)
	if err != nil {
		return err
	}
	if err := writeProjection(out, target, p, names); err != nil {
		return err
	}
	start := "random z MAE"
	if j.refine {
		start = "encoder MAE"
	}
	fmt.Fprintf(c.App.Writer, "%-28s %10s %12s\n", "image", "pixel MAE", start)
	for i, name := range names {
		fmt.Fprintf(c.App.Writer, "%-28s %10.2f %12.2f\n", name, p.MAE[i], p.StartMAE[i])
	}
	fmt.Fprintf(c.App.Writer, "%-28s %10.2f %12.2f\n", "mean", p.MeanMAE(), p.MeanStartMAE())
	if same, ok := sameClass(target, p.Recon); ok {
		fmt.Fprintf(c.App.Writer, "the MNIST classifier reads the same digit in %d of %d reconstructions as in their targets\n", same, n)
	}
	fmt.Fprintf(j.log, "wrote %s: latents.npy (%d, %d), recon-*.png, compare.png, errors.csv (pixel MAE in 0-255 levels)\n", out, n, j.spec.ZDim)
	return nil
}

// sameClass counts the reconstructions that gan-eval's MNIST classifier
// puts in the same class as their targets; ok is false when the images are
// not MNIST-shaped.
func sameClass(target, recon *tensor.Tensor) (same int, ok bool) {
	net, err := eval.DefaultFeatureNet()
	if err != nil {
		return 0, false
	}
	n, c, h, w := target.Dim(0), target.Dim(1), target.Dim(2), target.Dim(3)
	if nc, nh, nw := net.Input(); nc != c || nh != h || nw != w {
		return 0, false
	}
	a, err1 := net.Extract(target.Data, n)
	b, err2 := net.Extract(recon.Data, n)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	for i := 0; i < n; i++ {
		if argmax(a.Probs[i*a.Classes:(i+1)*a.Classes]) == argmax(b.Probs[i*b.Classes:(i+1)*b.Classes]) {
			same++
		}
	}
	return same, true
}

func argmax(v []float32) int {
	k := 0
	for i, x := range v {
		if x > v[k] {
			k = i
		}
	}
	return k
}

// targets loads the images to project, named for the report, with their
// labels when the model is conditional.
func (j *latentJob) targets(c *cli.Context) (*tensor.Tensor, []string, []int, error) {
	s := j.spec
	per := s.Channels * s.Size * s.Size
	var pix []float32
	var names []string
	var labels []int
	if k := c.Int("mnist-test"); k > 0 {
		if s.Channels != 1 || s.Size != 28 {
			return nil, nil, nil, command.UsageError{Err: fmt.Errorf("--mnist-test: this model makes %dx%dx%d images, not MNIST's 1x28x28", s.Channels, s.Size, s.Size)}
		}
		ds, err := data.LoadMNIST(data.DefaultMNISTDir(), "test")
		if err != nil {
			return nil, nil, nil, err
		}
		only := c.IntSlice("mnist-test-class")
		for i := 0; i < ds.Len() && len(labels) < k; i++ {
			if len(only) > 0 && !slices.Contains(only, ds.Label(i)) {
				continue
			}
			px := make([]float32, per)
			ds.Image(i, px)
			pix = append(pix, px...)
			names = append(names, fmt.Sprintf("mnist-test-%d (digit %d)", i, ds.Label(i)))
			labels = append(labels, ds.Label(i))
		}
	} else {
		ds, err := loadImages(c, j.cfg, s)
		if err != nil {
			return nil, nil, nil, err
		}
		pix = make([]float32, ds.Len()*per)
		for i, path := range c.Args().Slice() {
			ds.Image(i, pix[i*per:(i+1)*per])
			names = append(names, filepath.Base(path))
		}
		labels = nil
	}
	if s.Classes == 0 {
		if c.IsSet("label") {
			return nil, nil, nil, command.UsageError{Err: errors.New("--label: the model is not conditional; leave --label out")}
		}
		labels = nil
	} else if l := c.String("label"); l != "" {
		k, err := train.ClassIndex(j.cfg.ClassNames, l)
		if err != nil {
			return nil, nil, nil, command.UsageError{Err: fmt.Errorf("--label: %v", err)}
		}
		labels = make([]int, len(names))
		for i := range labels {
			labels[i] = k
		}
	} else if labels == nil || len(j.cfg.ClassNames) != 10 || j.cfg.Data != "mnist" {
		return nil, nil, nil, command.UsageError{Err: errors.New("the model is conditional: give the images' class with --label K")}
	}
	return tensor.New(pix, len(names), s.Channels, s.Size, s.Size), names, labels, nil
}

// loadImages decodes the IMAGE files as the run's folder was loaded:
// centre-cropped to a square, resized with a Lanczos filter, composited
// over the run's background (or --background), gray by ITU-R 601 luma or RGB.
func loadImages(c *cli.Context, cfg train.Config, s models.Spec) (*data.Images, error) {
	bg := data.Background{Ignore: true} // runs from before --background
	name := cfg.Background
	if c.IsSet("background") {
		name = c.String("background")
	}
	if name != "" {
		var err error
		if bg, err = data.ParseBackground(name); err != nil {
			return nil, command.UsageError{Err: fmt.Errorf("--%v", err)}
		}
	}
	ds, err := data.LoadFiles(c.Args().Slice(), data.FolderOptions{Size: s.Size, Channels: s.Channels, Background: bg})
	var fe *data.FileError
	switch {
	case errors.As(err, &fe) && errors.Is(fe.Err, fs.ErrNotExist):
		return nil, command.UsageError{Err: fmt.Errorf("%s: no such image file", fe.Path)}
	case errors.As(err, &fe):
		return nil, command.UsageError{Err: fmt.Errorf("%s: not a readable image: %v", fe.Path, fe.Err)}
	}
	return ds, err
}

// checkNewDir refuses an output folder that is a file or holds files.
func checkNewDir(dir string) error {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return command.UsageError{Err: fmt.Errorf("--out %s: %v", dir, err)}
	case len(ents) > 0:
		return command.UsageError{Err: fmt.Errorf("--out %s is not empty; choose a new folder", dir)}
	}
	return nil
}

// writeProjection writes latents.npy, recon-NNN.png per image, compare.png
// (rows of up to ten targets above their reconstructions) and errors.csv.
func writeProjection(dir string, target *tensor.Tensor, p *train.Projection, names []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: cannot create the folder: %v", dir, err)
	}
	if err := train.WriteNpyFile(filepath.Join(dir, "latents.npy"), p.Z); err != nil {
		return err
	}
	n, c, h, w := target.Dim(0), target.Dim(1), target.Dim(2), target.Dim(3)
	per := c * h * w
	for i := 0; i < n; i++ {
		img := gray(sheet.Grid(p.Recon.Data[i*per:(i+1)*per], 1, c, h, w, 1).SubImage(image.Rect(2, 2, 2+w, 2+h)), c)
		name := filepath.Join(dir, fmt.Sprintf("recon-%03d.png", i))
		if err := atomicfile.Write(name, func(wr io.Writer) error { return sheet.EncodePNG(wr, img) }); err != nil {
			return err
		}
	}
	if err := atomicfile.Write(filepath.Join(dir, "compare.png"), func(wr io.Writer) error {
		return sheet.EncodePNG(wr, gray(compareGrid(target, p.Recon), c))
	}); err != nil {
		return err
	}
	var csv strings.Builder
	csv.WriteString("index,image,pixel_mae,random_z_mae,loss\n")
	for i, name := range names {
		fmt.Fprintf(&csv, "%d,%s,%.4f,%.4f,%.6g\n", i, strconv.Quote(name), p.MAE[i], p.StartMAE[i], p.Loss[i])
	}
	return atomicfile.Write(filepath.Join(dir, "errors.csv"), func(wr io.Writer) error {
		_, err := io.WriteString(wr, csv.String())
		return err
	})
}

// gray returns a one-channel image as *image.Gray, so that gray models
// write gray PNGs, and any other as it is.
func gray(img image.Image, channels int) image.Image {
	if channels != 1 {
		return img
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Rect, img, b.Min, draw.Src)
	return g
}

// compareGrid lays out a row of up to ten targets above a row of their
// reconstructions, as many row pairs as needed.
func compareGrid(target, recon *tensor.Tensor) image.Image {
	n, c, h, w := target.Dim(0), target.Dim(1), target.Dim(2), target.Dim(3)
	per := c * h * w
	cols := min(n, 10)
	rows := (n + cols - 1) / cols
	cells := make([]float32, 0, 2*rows*cols*per)
	blank := make([]float32, per)
	for i := range blank {
		blank[i] = -1
	}
	for r := 0; r < rows; r++ {
		for _, src := range []*tensor.Tensor{target, recon} {
			for k := r * cols; k < (r+1)*cols; k++ {
				if k < n {
					cells = append(cells, src.Data[k*per:(k+1)*per]...)
				} else {
					cells = append(cells, blank...)
				}
			}
		}
	}
	return sheet.Grid(cells, 2*rows*cols, c, h, w, cols)
}
