package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/atomicfile"
	"github.com/gogan/gan/internal/runfolder"
	"github.com/gogan/gan/internal/sheet"
	"github.com/gogan/gan/train/eval"
)

func compareCommand() *cli.Command {
	return &cli.Command{
		Name:  "compare",
		Usage: "score several runs side by side: FID, KID, precision, recall, class perplexity and sharpness in one table, their samples in one PNG",
		Description: "Each RUN is a run folder (its generator.onnx) or a generator .onnx file. Every run draws --n samples from the\n" +
			"same latent seeds and is scored against the same reference images, so the rows compare; the first row scores\n" +
			"real images disjoint from the reference (the floor, as in gan-eval reference). Sharpness is the mean variance\n" +
			"of each image's Laplacian on [0,1] intensities: blur lowers it, noise raises it; read it against the real row.\n" +
			"--grid writes the first --grid-samples samples of every run, labelled, side by side.",
		UsageText: "gan-eval compare [-n 10000] [--grid compare.png] [--json] RUN...",
		Flags: []cli.Flag{nFlag, seedFlag, referenceFlag, featuresFlag, rangeFlag, kFlag, kidSubsets, kidSize, jsonFlag, threadsFlag, backgroundFlag,
			&cli.StringFlag{Name: "provider", Value: "cpu", Usage: "onnxruntime execution `PROVIDER` for the generators: " + strings.Join(infer.Providers, ", ")},
			&cli.StringFlag{Name: "grid", Value: "compare.png", Usage: "PNG `FILE` for the sample grids (\"\": none)"},
			&cli.IntFlag{Name: "grid-samples", Value: 64, Usage: "`N` samples per run in the grid, 8 to a row"},
			&cli.IntFlag{Name: "grid-columns", Value: 4, Usage: "`N` runs side by side in each row of the grid"},
		},
		Action: compareAction,
	}
}

// comparedRun is one row of the comparison.
type comparedRun struct {
	Name      string         `json:"name"`
	Model     string         `json:"model"` // e.g. "dcgan hinge", "vae mse beta=1"
	Steps     int64          `json:"steps"` // -1 for real images
	Source    string         `json:"source"`
	Sharpness eval.Sharpness `json:"sharpness"`
	eval.Report
}

type comparison struct {
	ReferenceSet string        `json:"reference_set"`
	FeatureNet   string        `json:"feature_net"`
	Seed         uint64        `json:"seed"`
	Samples      int           `json:"samples"`
	Grid         string        `json:"grid,omitempty"`
	Rows         []comparedRun `json:"rows"` // real images first
}

func compareAction(c *cli.Context) error {
	runs := c.Args().Slice()
	if len(runs) == 0 {
		return usage("give the runs to compare: gan-eval compare [flags] RUN..., each a run folder or a generator .onnx (flags go before the runs)")
	}
	for _, r := range runs {
		if strings.HasPrefix(r, "-") {
			return usage("flag %s after the runs: give flags first, as in gan-eval compare --n 5000 RUN...", r)
		}
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
		return usage("--n %d: score more than --k %d images", n, opt.K)
	}
	if p := c.String("provider"); !slices.Contains(infer.Providers, p) {
		return usage("--provider %s: want one of %s", p, strings.Join(infer.Providers, ", "))
	}
	gridN, cols := c.Int("grid-samples"), c.Int("grid-columns")
	if gridN < 1 || cols < 1 {
		return usage("--grid-samples %d / --grid-columns %d: give at least 1", gridN, cols)
	}
	paths := make([]string, len(runs))
	for i, r := range runs {
		if paths[i], err = generatorPath(r); err != nil {
			return err
		}
		if err := checkMNISTModel(c, paths[i]); err != nil {
			return err
		}
	}
	net, release, err := openFeatures(c)
	if err != nil {
		return err
	}
	defer release()
	sess, reals, t, err := disjointSets(c, net, opt, n)
	if err != nil {
		return err
	}
	if sess.Note != "" {
		notice(c, sess.Note)
	}
	out := comparison{ReferenceSet: t.ReferenceSet, FeatureNet: net.Name(), Seed: c.Uint64("seed"), Samples: reals.N}
	var panels []panel
	gray := true
	add := func(row comparedRun, im eval.Images) error {
		gray = gray && im.C == 1
		rep, err := sess.Score(im)
		if err != nil {
			return fmt.Errorf("%s: %w", row.Name, err)
		}
		for _, msg := range rep.Notices {
			notice(c, row.Name+": "+msg)
		}
		rep.Notices = nil
		row.Report = rep
		if row.Sharpness, err = eval.MeasureSharpness(im); err != nil {
			return fmt.Errorf("%s: %w", row.Name, err)
		}
		out.Rows = append(out.Rows, row)
		panels = append(panels, newPanel(row.Name, im, gridN))
		return nil
	}
	if err := add(comparedRun{Name: "real", Model: "real images", Steps: -1, Source: t.Real}, reals); err != nil {
		return err
	}
	ctx, stop := interruptible()
	defer stop()
	for i, path := range paths {
		samples, source, _, err := sampleGenerator(ctx, c, path, reals.N)
		if err != nil {
			return err
		}
		model, steps := describeRun(runs[i], path)
		if err := add(comparedRun{Name: runName(runs[i]), Model: model, Steps: steps, Source: source}, samples); err != nil {
			return err
		}
	}
	if g := c.String("grid"); g != "" {
		var img image.Image = composePanels(panels, cols)
		if gray {
			img = toGray(img) // a third of the size: gray samples, black labels
		}
		// Written once and often committed: worth the slower, tighter compression.
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := atomicfile.Write(g, func(w io.Writer) error { return enc.Encode(w, img) }); err != nil {
			return fmt.Errorf("--grid: %w", err)
		}
		out.Grid = g
	}
	if c.Bool("json") {
		return writeJSON(c.App.Writer, out)
	}
	writeComparison(c.App.Writer, out, net)
	return nil
}

// runName names a run in the table and the grid: its folder's name, or
// the model file's name without .onnx.
func runName(run string) string {
	return strings.TrimSuffix(filepath.Base(filepath.Clean(run)), ".onnx")
}

// describeRun says what was trained and for how many steps: from the run
// folder's config.json when there is one (which names the loss), else from
// the model's metadata.
func describeRun(run, path string) (string, int64) {
	var model string
	var steps int64 = -1
	if b, err := os.ReadFile(path); err == nil {
		if info, err := infer.ReadInfo(b, path); err == nil {
			model, steps = info.Kind, info.Steps
		}
	}
	cfg, err := runfolder.ReadSummary(run)
	switch {
	case err != nil:
	case cfg.IsVAE():
		model = fmt.Sprintf("%s %s beta=%g", cfg.Model.Kind, cfg.Recon, cfg.Beta)
	default:
		model = fmt.Sprintf("%s %s", cfg.Model.Kind, cfg.Loss)
	}
	if err == nil {
		if cfg.Conditional {
			model = "conditional " + model
		}
		if cfg.EMA > 0 {
			model += fmt.Sprintf(" ema=%g", cfg.EMA)
		}
	}
	if model == "" {
		model = "-"
	}
	return model, steps
}

func writeComparison(w io.Writer, t comparison, net eval.Extractor) {
	fmt.Fprintf(w, "reference:       %s\n", t.ReferenceSet)
	fmt.Fprintf(w, "feature network: %s\n", describeNet(net))
	fmt.Fprintf(w, "samples:         %d per row, latent seeds %d-%d\n\n", t.Samples, t.Seed, t.Seed+uint64(t.Samples)-1)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tmodel\tsteps\tFID\tKID\tprecision\trecall\tperplexity\tsharpness")
	for _, r := range t.Rows {
		steps, kid, perp := "-", "-", "-"
		if r.Steps >= 0 {
			steps = fmt.Sprint(r.Steps)
		}
		if r.KID != nil {
			kid = fmt.Sprintf("%.4g ± %.3g", r.KID.Mean, r.KID.Std)
		}
		if r.Coverage != nil {
			perp = fmt.Sprintf("%.2f", r.Coverage.Perplexity)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%.3f\t%.3f\t%s\t%.4f\n", r.Name, r.Model, steps, r.FID, kid, r.Precision, r.Recall, perp, r.Sharpness.Mean)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nFID, KID: lower is better (the real row is the floor at this --n). Precision: samples that look real;\n"+
		"recall: real variety covered; perplexity: classes used, of %d. Sharpness: mean variance of the Laplacian,\n"+
		"real images %.4f; lower means blurrier.\n", numClasses(t), t.Rows[0].Sharpness.Mean)
	if t.Grid != "" {
		fmt.Fprintf(w, "grid: %s\n", t.Grid)
	}
}

func numClasses(t comparison) int {
	if c := t.Rows[0].Coverage; c != nil {
		return len(c.Classes)
	}
	return 0
}

// panel is one labelled sample grid.
type panel struct {
	label string
	img   *image.RGBA
}

// panelLabel is the height of the strip above each grid for its label.
const panelLabel = 18

func newPanel(label string, im eval.Images, n int) panel {
	n = min(n, im.N)
	per := im.C * im.H * im.W
	return panel{label, sheet.Grid(im.Data[:n*per], n, im.C, im.H, im.W, min(8, n))}
}

// composePanels lays the panels out cols to a row on white, each grid
// under its label (cut to the grid's width).
func composePanels(ps []panel, cols int) *image.RGBA {
	cols = min(cols, len(ps))
	cw, ch := 0, 0
	for _, p := range ps {
		cw, ch = max(cw, p.img.Bounds().Dx()), max(ch, p.img.Bounds().Dy())
	}
	const gap = 8
	rows := (len(ps) + cols - 1) / cols
	out := image.NewRGBA(image.Rect(0, 0, cols*(cw+gap)+gap, rows*(ch+panelLabel+gap)+gap))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	face := basicfont.Face7x13
	for i, p := range ps {
		x := gap + (i%cols)*(cw+gap)
		y := gap + (i/cols)*(ch+panelLabel+gap)
		label := p.label
		if fit := cw / face.Advance; len(label) > fit {
			label = label[:max(0, fit-1)] + "~"
		}
		d := font.Drawer{Dst: out, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(x, y+face.Ascent+1)}
		d.DrawString(label)
		b := p.img.Bounds()
		draw.Draw(out, image.Rect(x, y+panelLabel, x+b.Dx(), y+panelLabel+b.Dy()), p.img, b.Min, draw.Src)
	}
	return out
}

func toGray(img image.Image) *image.Gray {
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g
}
