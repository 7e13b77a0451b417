package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/runfolder"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/eval"
)

// scored is what gan-eval prints: where the samples and the reference came
// from, and the report.
type scored struct {
	Source       string `json:"source"`
	ReferenceSet string `json:"reference_set"`
	Seed         uint64 `json:"seed"`
	eval.Report
}

func scoreAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usage("unexpected argument %q; give the generator with --model (see gan-eval --help)", c.Args().First())
	}
	model, images, npy := c.String("model"), c.String("images"), c.String("npy")
	var given []string
	for _, f := range []struct{ flag, v string }{{"--model", model}, {"--images", images}, {"--npy", npy}} {
		if f.v != "" {
			given = append(given, f.flag)
		}
	}
	switch len(given) {
	case 0:
		return usage("give --model FILE.onnx (or a run folder) to sample, --images DIR or --npy FILE to score; see gan-eval --help")
	case 2:
		return usage("give %s or %s, not both", given[0], given[1])
	case 3:
		return usage("give one of --model, --images and --npy, not all three")
	}
	if err := setThreads(c); err != nil {
		return err
	}
	opt, err := scorerOptions(c)
	if err != nil {
		return err
	}
	n := c.Int("n")
	if n <= opt.K {
		return usage("--n %d: score more than --k %d images (10000 is usual; fewer make FID larger)", n, opt.K)
	}
	if model != "" {
		if model, err = generatorPath(model); err != nil {
			return err
		}
		if err := checkMNISTModel(c, model); err != nil {
			return err
		}
		if p := c.String("provider"); !slices.Contains(infer.Providers, p) {
			return usage("--provider %s: want one of %s", p, strings.Join(infer.Providers, ", "))
		}
	}
	net, release, err := openFeatures(c)
	if err != nil {
		return err
	}
	defer release()
	// An --npy file is read before the reference, so that what is wrong with
	// the user's file is told first (exit 2) even where the reference is
	// not set up; the reference is loaded before any sampling, so that a set
	// too small for --n fails first.
	var samples eval.Images
	var source string
	if npy != "" {
		if samples, source, err = loadNPY(c, npy, net, n); err != nil {
			return err
		}
	}
	refSet, refName, err := referenceSet(c, net)
	if err != nil {
		return err
	}
	if model != "" {
		if err := checkReferenceSize(refSet, refName, n); err != nil {
			return err
		}
	}
	ctx, stop := interruptible()
	defer stop()
	var classes []string // a conditional generator's
	switch {
	case model != "":
		samples, source, classes, err = sampleGenerator(ctx, c, model, n)
	case npy != "": // read before the reference, above
	default:
		samples, source, err = loadImages(c, images, net, n)
	}
	if err != nil {
		return err
	}
	if err := checkReferenceSize(refSet, refName, samples.N); err != nil {
		return err
	}
	sess, err := eval.NewSession(net, refSet, sessionOptions(c, opt, samples.N, refName))
	if err != nil {
		return err
	}
	if sess.Note != "" {
		notice(c, sess.Note)
	}
	var rep eval.Report
	if classes != nil {
		rep, err = sess.ScoreConditional(samples, classes)
	} else {
		rep, err = sess.Score(samples)
	}
	if err != nil {
		return err
	}
	for _, msg := range rep.Notices {
		notice(c, msg)
	}
	out := scored{Source: source, ReferenceSet: sess.Reference, Seed: c.Uint64("seed"), Report: rep}
	if c.Bool("json") {
		return writeJSON(c.App.Writer, out)
	}
	writeReport(c.App.Writer, out, net)
	return nil
}

func notice(c *cli.Context, msg string) { fmt.Fprintf(c.App.ErrWriter, "gan-eval: notice: %s\n", msg) }

// generatorPath resolves --model: an ONNX file, or a run folder holding
// the exported generator.
func generatorPath(model string) (string, error) {
	st, err := os.Stat(model)
	if err != nil {
		return "", usage("--model %s: no such file or run folder", model)
	}
	if !st.IsDir() {
		return model, nil
	}
	p := filepath.Join(model, runfolder.ExportName)
	if _, err := os.Stat(p); err != nil {
		return "", usage("--model %s: the run folder has no %s; export it with gan-train export --run %s", model, runfolder.ExportName, model)
	}
	return p, nil
}

// sampleGenerator draws n images from the generator, image i from latent
// seed --seed + i (the images gan-gen --seed makes), cycling through the
// classes of a conditional model; then the images carry the labels asked
// for, and classes names them (nil for an unconditional model).
func sampleGenerator(ctx context.Context, c *cli.Context, path string, n int) (im eval.Images, source string, classes []string, err error) {
	g, err := infer.Open(path, infer.WithProvider(c.String("provider")), infer.WithThreads(c.Int("threads")),
		infer.WithLogger(func(msg string) { fmt.Fprintf(c.App.ErrWriter, "gan-eval: warning: %s\n", msg) }))
	if err != nil {
		return eval.Images{}, "", nil, err
	}
	defer g.Close()
	seed := c.Uint64("seed")
	info := g.Info()
	req := infer.SeriesFor(g, seed).Request(0, n, info.ZDim)
	b, err := g.Generate(ctx, req)
	if err != nil {
		return eval.Images{}, "", nil, err
	}
	im = eval.Images{N: b.Shape[0], C: b.Shape[1], H: b.Shape[2], W: b.Shape[3], Data: b.Data}
	toUnitRange(im.Data, b.ValueRange)
	src := fmt.Sprintf("%s (%s, %d samples, seeds %d-%d", path, info.Kind, n, seed, seed+uint64(n)-1)
	if req.Labels != nil {
		src += ", labels cycling through the classes"
		im.Labels, classes = b.Labels, info.Classes
	}
	return im, src + ")", classes, nil
}

// toUnitRange maps values from the range r to [-1, 1].
func toUnitRange(x []float32, r [2]float64) {
	if r == [2]float64{-1, 1} || !(r[0] < r[1]) {
		return
	}
	scale, off := 2/(r[1]-r[0]), -1-2*r[0]/(r[1]-r[0])
	for i, v := range x {
		x[i] = float32(float64(v)*scale + off)
	}
}

// loadFolder decodes the images in dir at the network's input size and
// channels, noticing when they had to be converted.
func loadFolder(c *cli.Context, flag, dir string, net eval.Extractor) (*data.Images, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, usage("--%s %s: no such folder", flag, dir)
	}
	ch, h, w := net.Input()
	if ch != 1 && ch != 3 {
		ch = 3 // eval.Convert reports what cannot be converted
	}
	bg, err := folderBackground(c)
	if err != nil {
		return nil, err
	}
	if !c.IsSet("background") && bg != data.Black {
		notice(c, fmt.Sprintf("--%s %s: transparent pixels composited as the run was trained, over %s (set --background to change)", flag, dir, bg))
	}
	ds, err := data.LoadFolder(dir, data.FolderOptions{Size: h, Channels: ch, Background: bg,
		Warn: func(msg string) { fmt.Fprintf(c.App.ErrWriter, "gan-eval: warning: %s\n", msg) }})
	if err != nil {
		return nil, fmt.Errorf("--%s: %v", flag, strings.TrimPrefix(err.Error(), "data: "))
	}
	if src, ok := firstImageShape(dir); ok && src != fmt.Sprintf("%dx%d %s", h, h, chanWord(ch)) {
		notice(c, fmt.Sprintf("--%s %s: images are %s (the first one); loaded as %dx%d %s (center crop, Lanczos) for feature network %s",
			flag, dir, src, h, h, chanWord(ch), net.Name()))
	}
	if w != h {
		notice(c, fmt.Sprintf("--%s: the feature network takes %dx%d images; the %dx%d loaded ones are resized", flag, w, h, h, h))
	}
	return ds, nil
}

func chanWord(c int) string {
	if c == 1 {
		return "gray"
	}
	return "RGB"
}

// firstImageShape describes the first image file under dir, in sorted
// walk order, as "WxH gray" or "WxH RGB".
func firstImageShape(dir string) (string, bool) {
	var desc string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil
		}
		defer f.Close()
		cfg, _, err := image.DecodeConfig(f)
		if err != nil {
			return nil
		}
		kind := "RGB"
		if cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model {
			kind = "gray"
		}
		desc = fmt.Sprintf("%dx%d %s", cfg.Width, cfg.Height, kind)
		return fs.SkipAll
	})
	return desc, desc != ""
}

// loadImages reads --images: all of its images when there are at most n,
// else a seeded subset of n.
func loadImages(c *cli.Context, dir string, net eval.Extractor, n int) (eval.Images, string, error) {
	ds, err := loadFolder(c, "images", dir, net)
	if err != nil {
		return eval.Images{}, "", err
	}
	if ds.Len() < n {
		if ds.Len() <= c.Int("k") {
			return eval.Images{}, "", fmt.Errorf("--images %s: %d images; score more than --k %d", dir, ds.Len(), c.Int("k"))
		}
		notice(c, fmt.Sprintf("--images %s holds %d images, fewer than --n %d: scoring all of them against as many reference images", dir, ds.Len(), n))
		n = ds.Len()
	}
	im, err := eval.SampleDataset(ds, n, c.Uint64("seed"))
	return im, fmt.Sprintf("%s (%d of %d images)", dir, n, ds.Len()), err
}

func checkReferenceSize(ds data.Dataset, name string, n int) error {
	if ds.Len() < n {
		return usage("the reference set %s has %d images, fewer than the %d samples to score; lower --n to at most %d or give a larger --reference-dir",
			name, ds.Len(), n, ds.Len())
	}
	return nil
}

// sessionOptions are the scoring session's options: n reference images
// of the set named name, drawn by --seed, the metric options, and class
// coverage only where the feature network knows the reference's classes.
func sessionOptions(c *cli.Context, opt eval.ScorerOptions, n int, name string) eval.SessionOptions {
	return eval.SessionOptions{N: n, Name: name, Seed: c.Uint64("seed"), MatchClasses: true, ScorerOptions: opt}
}

// referenceSet loads --reference-dir, or the MNIST test split.
func referenceSet(c *cli.Context, net eval.Extractor) (data.Dataset, string, error) {
	if dir := c.String("reference-dir"); dir != "" {
		ds, err := loadFolder(c, "reference-dir", dir, net)
		return ds, dir, err
	}
	if f, ok := net.(*eval.FeatureNet); ok && f.Info.Dataset != "mnist" {
		return nil, "", usage("the feature network %s was trained on %s, not MNIST; give --reference-dir with real %s images",
			f.Name(), f.Info.Dataset, f.Info.Dataset)
	}
	ds, err := data.LoadMNIST(data.DefaultMNISTDir(), "test")
	if err != nil {
		return nil, "", fmt.Errorf("reference set: %v", err)
	}
	return ds, "mnist test", nil
}
