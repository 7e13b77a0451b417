package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/train"
)

// directionCommand is `gan-train direction`: the mean latent difference
// between two classes of a run's labelled data, for gan-gen --direction.
func directionCommand() *cli.Command {
	return &cli.Command{
		Name:  "direction",
		Usage: "write the latent direction from one class of the run's data to another (mean projected latent of --to minus --from)",
		UsageText: "gan-train direction --run DIR --from CLASS --to CLASS -o FILE.npy [flags]\n" +
			"then: gan-gen --model DIR/generator.onnx --direction FILE.npy --strength 1.5 ...",
		HideHelpCommand: true,
		// Projection is the slow part: fewer steps and restarts than
		// `project` keep 2 x 64 images to minutes on two cores, and the
		// mean over many images averages out the poorer fits.
		Flags: append(projectFlags(150, 2),
			&cli.StringFlag{Name: "from", Usage: "class `NAME` or index the direction starts from"},
			&cli.StringFlag{Name: "to", Usage: "class `NAME` or index the direction points to"},
			&cli.IntFlag{Name: "n", Aliases: []string{"count"}, Value: 64, Usage: "`N` images projected per class"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "`FILE`.npy to write: float32 (1, z_dim)"},
		),
		Action: directionAction,
	}
}

func directionAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return command.UsageError{Err: fmt.Errorf("unexpected argument %q; see gan-train direction --help", c.Args().First())}
	}
	out := c.String("out")
	switch {
	case c.String("from") == "" || c.String("to") == "":
		return command.UsageError{Err: errors.New("direction needs --from CLASS and --to CLASS")}
	case out == "":
		return command.UsageError{Err: errors.New("direction needs -o FILE.npy")}
	case c.Int("n") < 1:
		return command.UsageError{Err: fmt.Errorf("--n %d: want at least 1 image per class", c.Int("n"))}
	}
	if err := probeWrite(out); err != nil {
		return err
	}
	j, err := newLatentJob(c)
	if err != nil {
		return err
	}
	if j.spec.Classes > 0 {
		return command.UsageError{Err: errors.New("the run is conditional: its class is an input, not a direction in z; change it with gan-gen --label")}
	}
	ds, err := train.LoadData(j.cfg, func(msg string) { fmt.Fprintln(j.log, "warning:", msg) })
	if err != nil {
		return err
	}
	if ds.NumClasses() == 0 {
		return command.UsageError{Err: fmt.Errorf("the run's data %s has no class labels (for a folder, put each class in its own subfolder)", ds.Name())}
	}
	from, err := train.ClassIndex(ds.ClassNames(), c.String("from"))
	if err != nil {
		return command.UsageError{Err: fmt.Errorf("--from: %v", err)}
	}
	to, err := train.ClassIndex(ds.ClassNames(), c.String("to"))
	if err != nil {
		return command.UsageError{Err: fmt.Errorf("--to: %v", err)}
	}
	if from == to {
		return command.UsageError{Err: fmt.Errorf("--from and --to are both class %s", ds.ClassNames()[from])}
	}
	var means [2]float64
	var latents [2]*train.Projection
	for i, k := range []int{from, to} {
		imgs, err := train.ClassImages(ds, k, c.Int("n"), j.cfg.Seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(j.log, "projecting %d images of class %s: %s\n", imgs.Dim(0), ds.ClassNames()[k], j.method())
		if latents[i], err = j.project(imgs, nil); err != nil {
			return err
		}
		means[i] = latents[i].MeanMAE()
	}
	d := train.Direction(latents[0].Z, latents[1].Z)
	if err := train.WriteNpyFile(out, d); err != nil {
		return err
	}
	norm := 0.0
	for _, v := range d.Data {
		norm += float64(v) * float64(v)
	}
	name := func(k int) string { return ds.ClassNames()[k] }
	fmt.Fprintf(c.App.Writer, "direction %s -> %s: |d| = %.3f (a latent's norm is about %.1f); projection pixel MAE %.2f (%s), %.2f (%s)\n",
		name(from), name(to), math.Sqrt(norm), math.Sqrt(float64(j.spec.ZDim)), means[0], name(from), means[1], name(to))
	fmt.Fprintf(j.log, "wrote %s (1, %d); try: gan-gen --model %s --direction %s --strength 1 -n 16 --grid dir.png\n",
		out, j.spec.ZDim, filepath.Join(c.String("run"), train.ExportName), out)
	return nil
}

// probeWrite checks, before the slow part, that out's folder exists and
// out names a .npy file.
func probeWrite(out string) error {
	if !strings.HasSuffix(out, ".npy") {
		return command.UsageError{Err: fmt.Errorf("-o %s: name a .npy file", out)}
	}
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return command.UsageError{Err: fmt.Errorf("-o %s: folder %s does not exist", out, filepath.Dir(out))}
	}
	return nil
}
