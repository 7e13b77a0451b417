// Command gan-train trains a GAN, or a VAE (--model vae), on MNIST (the
// default) or a folder of images, writing a run folder with config,
// metrics, sample grids and checkpoints. Run it with --help for the flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
	"github.com/gogan/gan/train/data"
)

func main() {
	os.Exit(run(os.Args, os.Stderr))
}

// stdout is where help, --dry-run and ls print (tests swap it).
var stdout io.Writer = os.Stdout

// run runs gan-train and returns its exit status: 2 for usage errors, 1
// for failures at run time, 130 for an interrupted (and saved) run.
func run(args []string, stderr *os.File) int {
	return command.Run(newApp(stderr), args, command.InterruptedBy(train.ErrInterrupted))
}

// usageText shows what gan-train is for, by example.
const usageText = `gan-train [flags]                                   a DCGAN on MNIST for 5 epochs, into runs/mnist-dcgan-<time>
gan-train --data DIR --image-size 64 --conditional -o runs/faces
                                                    an RGB folder of images, one class per subfolder
gan-train --model vae --epochs 10                   a convolutional VAE instead of a GAN
gan-train --loss hinge --r1 1 --ema 0.999 --eval-every 1000
gan-train --dry-run --data DIR                      print the resolved settings, model sizes and steps; train nothing
gan-train --resume runs/faces --steps 20000         continue a run with its saved settings
gan-train ls [DIR]                                  the runs in DIR (runs/): step, losses, best FID
gan-train export --run DIR -o FILE.onnx
gan-train project --run DIR -o OUT IMAGE...
gan-train direction --run DIR --from 3 --to 8 -o d.npy

Every flag can also be set by the environment variable shown after it
(GAN_TRAIN_<FLAG>, or GAN_TRAIN_<COMMAND>_<FLAG> for a command's flags);
a flag given on the command line wins.`

func newApp(stderr *os.File) *cli.App {
	d := train.DefaultConfig()
	v := d.WithVAEDefaults()
	m, _ := d.WithRecipe(train.RecipeModern)
	return command.Setup(&cli.App{
		Name:      "gan-train",
		Usage:     "train a GAN (or a VAE) on MNIST or a folder of images",
		UsageText: usageText,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Value: "mnist", Usage: "`DIR` of images (searched recursively; first-level subfolders are classes), or mnist"},
			&cli.IntFlag{Name: "image-size", Usage: "`SIDE` of the square training images (default 28 for MNIST, 64 for folders)"},
			&cli.IntFlag{Name: "channels", Value: 3, Usage: "`C`: 1 (gray) or 3 (RGB) for folder data; MNIST is gray"},
			&cli.BoolFlag{Name: "strict", Usage: "stop on an unreadable image instead of skipping it"},
			&cli.StringFlag{Name: "recipe", Value: train.DefaultRecipe, Usage: "`NAME` of the defaults a GAN starts from: modern (DCGAN, hinge loss, Adam 8e-4, EMA 0.99 of G with warm-up; the best of README's recipe table) or classic (the pytorch/examples DCGAN); any flag given overrides its value"},
			&cli.StringFlag{Name: "model", Usage: "architecture `KIND` (default: the recipe's, dcgan): dcgan, mlp, resnet (SNGAN-style residual G and D), or vae (a convolutional VAE with DCGAN's encoder and decoder, trained by --recon and --beta)"},
			&cli.BoolFlag{Name: "spectral-norm", Usage: "spectral norm on every layer of D (dcgan: in place of its BatchNorm; resnet) (default off)"},
			&cli.StringFlag{Name: "background", Value: "black", Usage: "`COLOUR` a folder's transparent pixels are composited over: black, white, #rrggbb, or none (keep the colour a file stores under them)"},
			&cli.StringFlag{Name: "name", Usage: "`NAME` of a folder's data in config.json and the exported model (default: its last two path elements, image count and content hash)"},
			&cli.IntFlag{Name: "width", Usage: fmt.Sprintf("--model resnet: `CHANNELS` of every residual block in G and D (0: %d)", models.DefaultWidth)},
			&cli.BoolFlag{Name: "conditional", Usage: "condition G and D on the class label (needs labelled data)"},
			&cli.StringFlag{Name: "cond-d", Value: models.CondConcat, Usage: "--conditional: how D takes the label: `HOW` is concat (a label plane joined to the image) or projection (an inner product of a class embedding with D's features; dcgan, resnet)"},
			&cli.StringFlag{Name: "augment", Usage: "DiffAugment `POLICY` applied to every image D sees, real and generated: a comma list of translation, cutout and color (RGB only), applied in the order given (\"\": off)"},
			&cli.IntFlag{Name: "z-dim", Value: d.Model.ZDim, Usage: "latent size `Z`"},
			&cli.StringFlag{Name: "loss", Usage: "`LOSS`: nonsaturating, minimax, lsgan, hinge or wgan-gp (default: the recipe's: modern hinge, classic nonsaturating)"},
			&cli.StringFlag{Name: "recon", Value: string(v.Recon), Usage: "--model vae: reconstruction `LOSS` mse, l1 or bce (on intensities (x+1)/2), summed over pixels"},
			&cli.Float64Flag{Name: "beta", Value: v.Beta, Usage: "--model vae: weight `B` of the KL term (1: the ELBO)"},
			&cli.Float64Flag{Name: "r1", Usage: "R1 gradient penalty `GAMMA` on real data (0: off)"},
			&cli.IntFlag{Name: "r1-every", Usage: "lazy R1 (StyleGAN2): apply it on every `N`th D update only, weighted by N (default 1)"},
			&cli.Float64Flag{Name: "gp-weight", Value: 10, Usage: "gradient penalty weight `W` for wgan-gp"},
			&cli.Float64Flag{Name: "ema", Usage: "`DECAY` of an exponential moving average of G used for samples and export (0: off; default: the recipe's: modern 0.99, classic 0)"},
			&cli.BoolFlag{Name: "ema-warmup", Usage: "ramp the --ema decay up as min(DECAY, (1+step)/(10+step)), so the average follows G closely early on (default: the recipe's: modern on, classic off)"},
			&cli.Float64Flag{Name: "label-smoothing", Usage: "one-sided label smoothing: real target 1-`S` (e.g. 0.1; 0: off)"},
			&cli.IntFlag{Name: "d-steps", Usage: "`N` D updates per G update (default: the recipe's, 1)"},
			&cli.IntFlag{Name: "epochs", Usage: "`N` epochs to train (default 5 when --steps is not given)"},
			&cli.IntFlag{Name: "steps", Usage: "the step count `N` to reach, instead of --epochs (0: train --epochs)"},
			&cli.IntFlag{Name: "batch-size", Value: d.BatchSize, Usage: "`N` images per batch"},
			&cli.Float64Flag{Name: "lr-g", Usage: fmt.Sprintf("G's Adam learning rate `LR` (default: the recipe's: modern %g, classic %g; a VAE's decoder: %g)", m.LrG, d.LrG, v.LrG)},
			&cli.Float64Flag{Name: "lr-d", Usage: fmt.Sprintf("D's Adam learning rate `LR` (default: the recipe's: modern %g, classic %g; a VAE's encoder: %g)", m.LrD, d.LrD, v.LrD)},
			&cli.Float64Flag{Name: "beta1", Usage: fmt.Sprintf("Adam `BETA1` (default: the recipe's, %g; a VAE's: %g)", d.Beta1, v.Beta1)},
			&cli.Float64Flag{Name: "beta2", Usage: fmt.Sprintf("Adam `BETA2` (default: the recipe's, %g)", d.Beta2)},
			&cli.Uint64Flag{Name: "seed", Value: d.Seed, Usage: "random `SEED`: the same seed and threads repeat a run exactly"},
			&cli.IntFlag{Name: "threads", Usage: "`N` kernel threads (0: all cores)"},
			&cli.IntFlag{Name: "sample-every", Value: d.SampleEvery, Usage: "write a fixed-noise sample grid every `N` steps"},
			&cli.IntFlag{Name: "checkpoint-every", Value: d.CkptEvery, Usage: "write checkpoints/latest.ckpt every `N` steps"},
			&cli.IntFlag{Name: "eval-every", Usage: "every `N` steps score 2000 samples (FID, class perplexity) into metrics.csv and keep checkpoints/best.ckpt (0: off)"},
			&cli.DurationFlag{Name: "max-time", Usage: "stop after `DURATION` of training (e.g. 10m), saving and exporting as at the last step; the step reached is logged (0: no limit)"},
			&cli.StringFlag{Name: "snapshot-at", Usage: "at each training time in `LIST` (e.g. 1m,3m,10m) export the sampling generator to snapshots/<time>.onnx in the run folder; export time is not counted"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "run folder `DIR` (default runs/<data>-<model>-<time>); must be new or empty"},
			&cli.StringFlag{Name: "resume", Usage: "continue the run in `DIR` with its saved settings"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the resolved settings, the data, the networks' parameter counts and the steps, then exit without training or writing anything"},
		},
		Action:   func(c *cli.Context) error { return flagError(trainAction(c)) },
		Commands: []*cli.Command{lsCommand(), exportCommand(), projectCommand(), directionCommand()},
	}, "GAN_TRAIN")
}

func trainAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return command.UsageError{Err: fmt.Errorf("unexpected argument %q; see gan-train --help", c.Args().First())}
	}
	if c.IsSet("epochs") && c.IsSet("steps") {
		return command.UsageError{Err: fmt.Errorf("give --epochs or --steps, not both")}
	}
	for _, f := range []string{"steps", "epochs"} {
		if c.IsSet(f) && c.Int(f) < 1 {
			return command.UsageError{Err: fmt.Errorf("--%s %d: must be at least 1 (leave --steps and --epochs out for 5 epochs)", f, c.Int(f))}
		}
	}
	var cfg train.Config
	var out string
	var err error
	if dir := c.String("resume"); dir != "" {
		if c.IsSet("out") {
			return command.UsageError{Err: fmt.Errorf("--out cannot be combined with --resume: the run continues in %s", dir)}
		}
		out = dir
		if cfg, err = resumeConfig(c, dir); err != nil {
			return err
		}
	} else {
		if cfg, err = configFromFlags(c); err != nil {
			return err
		}
		out = c.String("out")
		if out == "" {
			out = filepath.Join("runs", fmt.Sprintf("%s-%s-%s", dataName(cfg.Data), cfg.Model.Kind, time.Now().Format("20060102-150405")))
		}
		if err := train.CheckOutDir(out); err != nil {
			return err
		}
	}
	timed := train.RunOptions{MaxTime: c.Duration("max-time")}
	if l := c.String("snapshot-at"); c.IsSet("snapshot-at") {
		if timed.Snapshots, err = train.ParseSnapshots(l); err != nil {
			return err
		}
	}
	ds, err := train.LoadData(cfg, func(msg string) { fmt.Fprintln(c.App.ErrWriter, "warning:", msg) })
	if err != nil {
		return err
	}
	if c.IsSet("resume") {
		if err := checkResumeLength(c, cfg, ds.Len(), out); err != nil {
			return err
		}
	}
	dsName := fmt.Sprintf("%s (%d images)", ds.Name(), ds.Len())
	if im, ok := ds.(*data.Images); ok && im.Report() != nil {
		fmt.Fprintf(c.App.ErrWriter, "data: %s\n", im.Report().Summary())
		dsName = ds.Name() // it counts the images
	}
	if c.Bool("dry-run") {
		return dryRun(c, cfg, ds, out, timed)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	setThreads(cfg.Threads)
	bar := newProgress(c.App.ErrWriter, command.IsTerminal(c.App.ErrWriter))
	if prev := tightenGC(); prev >= 0 {
		defer debug.SetGCPercent(prev)
	}
	var r *train.Run
	r, err = train.Start(cfg, ds, train.RunOptions{Out: out, Resume: c.IsSet("resume"), Log: bar, Names: flagName,
		MaxTime: timed.MaxTime, Snapshots: timed.Snapshots, OnStep: func(rec train.Record) { bar.step(r, rec) }})
	if err != nil {
		return err
	}
	defer r.Close()
	if c.IsSet("resume") {
		if err := r.Restore(); err != nil {
			return err
		}
		fmt.Fprintf(c.App.ErrWriter, "resuming %s at step %d of %d\n", out, r.Step(), r.Total())
	} else {
		fmt.Fprintf(c.App.ErrWriter, "training %s on %s for %d steps into %s\n", cfg.Model.Kind, dsName, r.Total(), out)
	}
	bar.start(r.Step())
	err = r.Train(ctx)
	bar.End()
	if errors.Is(err, train.ErrInterrupted) {
		fmt.Fprintf(c.App.ErrWriter, "stopped at step %d; checkpoint saved. Continue with: gan-train --resume %s\n", r.Step(), r.Dir)
	}
	if err != nil {
		return err
	}
	if err := exportFinished(r, c.App.ErrWriter); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "done: %d steps; samples in %s, checkpoint %s\n", r.Step(), filepath.Join(out, "samples"), r.CheckpointPath())
	return nil
}

func dataName(d string) string {
	if d == "mnist" {
		return d
	}
	return filepath.Base(filepath.Clean(d))
}

func configFromFlags(c *cli.Context) (train.Config, error) {
	cfg, err := recipeFromFlags(c)
	if err != nil {
		return cfg, err
	}
	cfg.Data = c.String("data")
	cfg.Strict = c.Bool("strict")
	cfg.Model.ZDim = c.Int("z-dim")
	cfg.Model.Width = c.Int("width")
	if cfg.Model.Kind == "resnet" && cfg.Model.Width == 0 {
		// Recorded, so that the run keeps its width if the default moves.
		cfg.Model.Width = models.DefaultWidth
	}
	cfg.Conditional = c.Bool("conditional")
	if cfg.Model.CondD = c.String("cond-d"); cfg.Model.CondD == models.CondConcat {
		cfg.Model.CondD = "" // the classic D, as configs without the field read
	}
	cfg.Model.Size = c.Int("image-size")
	if cfg.Data == "mnist" {
		if c.IsSet("channels") && c.Int("channels") != 1 {
			return cfg, command.UsageError{Err: fmt.Errorf("--channels %d: MNIST is gray (1 channel)", c.Int("channels"))}
		}
		for _, f := range []string{"background", "name"} {
			if c.IsSet(f) {
				return cfg, command.UsageError{Err: fmt.Errorf("--%s applies to a folder of images; MNIST is opaque and named mnist", f)}
			}
		}
		if cfg.Model.Size == 0 {
			cfg.Model.Size = 28
		}
		cfg.Model.Channels = 1
	} else {
		if cfg.Model.Size == 0 {
			cfg.Model.Size = data.DefaultImageSize
		}
		cfg.Model.Channels = c.Int("channels")
		cfg.Background, cfg.Dataset = c.String("background"), c.String("name")
		if bg, err := data.ParseBackground(cfg.Background); err == nil {
			cfg.Background = bg.String() // "#FFFFFF" is recorded as white; Validate explains a bad one
		}
		if strings.EqualFold(strings.TrimSpace(cfg.Dataset), "mnist") {
			return cfg, command.UsageError{Err: fmt.Errorf("--name %s: that name means the MNIST set (gan-eval scores such models against it); choose another", cfg.Dataset)}
		}
		if st, err := os.Stat(cfg.Data); err != nil || !st.IsDir() {
			return cfg, command.UsageError{Err: fmt.Errorf("--data %s: no such folder (give a folder of images, or mnist)", cfg.Data)}
		}
	}
	if cfg.Data == "mnist" && cfg.Model.Size != 28 {
		return cfg, command.UsageError{Err: fmt.Errorf("--image-size %d: MNIST images are 28x28", cfg.Model.Size)}
	}
	if err := objectiveFromFlags(c, &cfg); err != nil {
		return cfg, err
	}
	setIf(c, "ema", &cfg.EMA, c.Float64)
	setIf(c, "ema-warmup", &cfg.EMAWarmup, c.Bool)
	cfg.BatchSize = c.Int("batch-size")
	cfg.Epochs, cfg.Steps = c.Int("epochs"), c.Int("steps")
	if cfg.Epochs == 0 && cfg.Steps == 0 {
		cfg.Epochs = 5
	}
	cfg.Seed, cfg.Threads = c.Uint64("seed"), c.Int("threads")
	cfg.SampleEvery, cfg.CkptEvery = c.Int("sample-every"), c.Int("checkpoint-every")
	cfg.EvalEvery = c.Int("eval-every")
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// ganOnly are the flags that only a GAN has.
var ganOnly = []string{"loss", "r1", "r1-every", "gp-weight", "label-smoothing", "d-steps", "augment", "cond-d"}

// objectiveFromFlags sets what the model is trained by: a GAN's loss and
// its settings, or a VAE's reconstruction loss and beta, with the VAE's own
// optimiser defaults where the flags are not given.
func objectiveFromFlags(c *cli.Context, cfg *train.Config) error {
	if !cfg.IsVAE() {
		for _, f := range []string{"recon", "beta"} {
			if c.IsSet(f) {
				return command.UsageError{Err: fmt.Errorf("--%s applies to --model vae, not a GAN (--model %s)", f, cfg.Model.Kind)}
			}
		}
		if c.IsSet("loss") {
			l, err := train.ParseLoss(c.String("loss"))
			if err != nil {
				return command.UsageError{Err: fmt.Errorf("--loss: %v", err)}
			}
			cfg.Loss = l
		}
		if c.IsSet("augment") {
			a, err := train.ParseAugment(c.String("augment"))
			if err != nil {
				return command.UsageError{Err: err}
			}
			cfg.Augment = a.String()
		}
		setIf(c, "r1", &cfg.R1, c.Float64)
		cfg.GPWeight, cfg.Smooth = c.Float64("gp-weight"), c.Float64("label-smoothing")
		cfg.R1Every = max(cfg.R1Every, 1)
		if setIf(c, "r1-every", &cfg.R1Every, c.Int); cfg.R1Every < 1 {
			return command.UsageError{Err: fmt.Errorf("--r1-every %d: must be 1 or more (1 applies R1 on every D update)", cfg.R1Every)}
		}
		setIf(c, "d-steps", &cfg.DSteps, c.Int)
		for _, f := range []struct {
			name string
			dst  *float64
		}{{"lr-g", &cfg.LrG}, {"lr-d", &cfg.LrD}, {"beta1", &cfg.Beta1}, {"beta2", &cfg.Beta2}} {
			setIf(c, f.name, f.dst, c.Float64)
		}
		return nil
	}
	for _, f := range ganOnly {
		if c.IsSet(f) {
			return command.UsageError{Err: fmt.Errorf("--%s applies to GANs; --model vae is trained by --recon and --beta", f)}
		}
	}
	*cfg = cfg.WithVAEDefaults()
	r, err := train.ParseRecon(c.String("recon"))
	if err != nil {
		return err
	}
	cfg.Recon, cfg.Beta = r, c.Float64("beta")
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"lr-g", &cfg.LrG}, {"lr-d", &cfg.LrD}, {"beta1", &cfg.Beta1}, {"beta2", &cfg.Beta2}} {
		if c.IsSet(f.name) {
			*f.dst = c.Float64(f.name)
		}
	}
	return nil
}

// recipeFromFlags starts a config from --recipe (a GAN) or the VAE's
// defaults (--model vae, which no recipe applies to), then sets the model
// and D's normalisation where their flags are given. The other settings a
// recipe implies are overridden where their flags are read.
func recipeFromFlags(c *cli.Context) (train.Config, error) {
	cfg := train.DefaultConfig()
	if c.String("model") == "vae" {
		if c.IsSet("recipe") {
			return cfg, command.UsageError{Err: fmt.Errorf("--recipe %s: recipes set a GAN's training; --model vae is trained by --recon and --beta", c.String("recipe"))}
		}
		cfg.Model.Kind = "vae"
		return cfg, nil
	}
	cfg, err := cfg.WithRecipe(c.String("recipe"))
	if err != nil {
		return cfg, command.UsageError{Err: fmt.Errorf("--recipe: %v", err)}
	}
	setIf(c, "model", &cfg.Model.Kind, c.String)
	if c.IsSet("spectral-norm") {
		cfg.Model.SpectralNorm = c.Bool("spectral-norm")
	} else if cfg.Model.Kind == "mlp" {
		cfg.Model.SpectralNorm = false // the recipe's D normalisation is for the convolutional Ds
	}
	return cfg, nil
}

// setIf sets *dst to the flag's value when the flag was given.
func setIf[T any](c *cli.Context, name string, dst *T, get func(string) T) bool {
	if !c.IsSet(name) {
		return false
	}
	*dst = get(name)
	return true
}
