// Command gan-gen samples images from a generator exported by gan-train
// (an ONNX file), through onnxruntime on the CPU or a GPU provider. Run it
// with --help for the flags; `gan-gen info --model FILE` prints a model's
// metadata.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/infer/pretrained"
	"github.com/gogan/gan/internal/runfolder"
)

// builtin is the model used without --model: the one in infer/pretrained
// (tests swap it; when empty, --model is required).
var builtin = pretrained.Generator

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

func usage(format string, a ...any) error { return command.Usagef(format, a...) }

// errInterrupted is returned when SIGINT or SIGTERM stops a run.
var errInterrupted = command.ErrInterrupted

// run runs gan-gen and returns its exit status: 2 for usage errors (flags,
// and a model file that is missing or not a generator), 130 for an
// interrupted run, 1 for failures at run time (unwritable output, missing
// runtime library, ...).
func run(args []string, stdout, stderr io.Writer) int {
	return command.Run(newApp(stdout, stderr), args, command.UsageAs[*infer.ModelError]())
}

func newApp(stdout, stderr io.Writer) *cli.App {
	modelFlag := &cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "generator `FILE`.onnx exported by gan-train, or a run folder (its " + exportName + ") (default: the model built into gan-gen)"}
	return command.Setup(&cli.App{
		Name:      "gan-gen",
		Usage:     "sample images from a generator exported by gan-train",
		UsageText: "gan-gen --model FILE.onnx|RUN_DIR -n 64 --out DIR [flags]\ngan-gen --model FILE.onnx -n 64 --grid sheet.png\ngan-gen --model FILE.onnx -n 10000 --out samples.npy   (one (N,C,H,W) float32 array, for gan-eval --npy or numpy.load)\ngan-gen --model FILE.onnx -n 1000 --out images.tar\ngan-gen --model FILE.onnx --interpolate 16 --out DIR\ngan-gen --model FILE.onnx --latents z.npy [--direction d.npy --strength 1.5] --grid sheet.png\ngan-gen info [--json] --model FILE.onnx",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			modelFlag,
			&cli.IntFlag{Name: "n", Aliases: []string{"count"}, Value: 64, Usage: "`N` images (default 64; with --interpolate: N seeds to walk through, default 4)"},
			&cli.IntFlag{Name: "batch", Value: 256, Usage: "`N` images per onnxruntime run"},
			&cli.Uint64Flag{Name: "seed", Usage: "image i uses seed `S`+i; the same seed gives the same image at any --batch"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "where the images go, told by the `PATH`'s name: a folder (new or empty) for the images and manifest.csv; FILE.npy for one stacked (N,C,H,W) float32 array; FILE.tar for a tar of the images and manifest.csv; - for that tar on stdout"},
			&cli.StringFlag{Name: "format", Value: "png", Usage: "image `FORMAT`: png, jpeg, or npy (the raw float32 tensors, stacked (N,C,H,W) in one " + stackedName + "; implied by --out FILE.npy)"},
			&cli.IntFlag{Name: "quality", Value: 90, Usage: "JPEG `QUALITY`, 1-100"},
			&cli.StringFlag{Name: "grid", Usage: "contact sheet `FILE`.png of the first " + strconv.Itoa(maxGrid) + " images at most"},
			&cli.StringFlag{Name: "label", Usage: "class index or name `K` for a conditional model (default: cycle through the classes)"},
			&cli.Float64Flag{Name: "truncation", Usage: "redraw latent entries with |z| > `T` (e.g. 0.7; 0: off)"},
			&cli.IntFlag{Name: "interpolate", Usage: "walk between consecutive seeds in `K` steps each, writing interpolation.png and interpolation.gif into --out (0: no walk)"},
			&cli.BoolFlag{Name: "slerp", Usage: "interpolate along the great circle instead of linearly"},
			&cli.StringFlag{Name: "latents", Usage: "generate from the latents in `FILE`.npy, float32 (N, z_dim) as gan-train project writes (one image per row; with --interpolate, walk between consecutive rows)"},
			&cli.StringFlag{Name: "direction", Usage: "add a latent direction `FILE`.npy (1, z_dim), as gan-train direction writes, times --strength to every latent"},
			&cli.Float64Flag{Name: "strength", Value: 1, Usage: "how far, `S`, to move along --direction (negative: the other way)"},
			&cli.StringFlag{Name: "provider", Value: "cpu", Usage: "execution `PROVIDER`: " + strings.Join(infer.Providers, ", ") + " (falls back to cpu with a warning)"},
			&cli.StringSliceFlag{Name: "provider-option", Usage: "provider option `KEY=VALUE`, e.g. device_id=1 or use_tf32=0 (repeatable)"},
			&cli.BoolFlag{Name: "strict-provider", Usage: "fail instead of falling back to cpu when --provider is unavailable"},
			&cli.IntFlag{Name: "threads", Usage: "`N` onnxruntime intra-op threads (0: one per core)"},
			&cli.StringFlag{Name: "shard", Usage: "write only shard `K/N` of the run: images K*n/N to (K+1)*n/N-1, named, seeded and encoded as in the whole run (K counts from 0)"},
			&cli.IntFlag{Name: "shard-from-env", Usage: "like --shard K/`N`, with K from $JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or $SLURM_ARRAY_TASK_ID (Slurm job array, from $SLURM_ARRAY_TASK_MIN)"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace the output in a non-empty --out folder, or an existing --out file (the old output stays until the new one is complete)"},
		},
		Action: generateAction,
		Commands: []*cli.Command{{
			Name:      "info",
			Usage:     "print a model's metadata and the onnxruntime library in use",
			UsageText: "gan-gen info [--json] --model FILE.onnx|RUN_DIR",
			Flags:     []cli.Flag{modelFlag, &cli.BoolFlag{Name: "json", Usage: "print one JSON object instead of text"}},
			Action:    infoAction,
		},
			serveCommand(modelFlag),
		},
	}, "GAN_GEN")
}

// exportName is the generator's file in a gan-train run folder.
const exportName = runfolder.ExportName

// modelBytes returns the model named by --model (a file, or a run folder
// holding generator.onnx, as gan-eval takes), or the built-in one.
func modelBytes(c *cli.Context) (name string, b []byte, err error) {
	if name = c.String("model"); name != "" {
		if st, err := os.Stat(name); err == nil && st.IsDir() {
			p := filepath.Join(name, exportName)
			if _, err := os.Stat(p); err != nil {
				return "", nil, usage("--model %s: the run folder has no %s; export it with gan-train export --run %s", name, exportName, name)
			}
			name = p
		}
		b, err := os.ReadFile(name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", nil, usage("--model %s: no such file or run folder", name)
			}
			return "", nil, usage("--model %s: %v", name, unwrapPath(err))
		}
		return name, b, nil
	}
	if len(builtin) == 0 {
		return "", nil, usage("--model is required: this gan-gen has no built-in model; give --model FILE.onnx, a generator exported by gan-train")
	}
	return pretrained.Name, builtin, nil
}

// openModel opens the generator with the provider flags; fallback notices go
// to stderr as warnings.
func openModel(c *cli.Context, batch int) (*infer.Generator, error) {
	name, b, err := modelBytes(c)
	if err != nil {
		return nil, err
	}
	provider := c.String("provider")
	known := false
	for _, p := range infer.Providers {
		known = known || p == provider
	}
	if !known {
		return nil, usage("--provider %s: want one of %s", provider, strings.Join(infer.Providers, ", "))
	}
	if c.Int("threads") < 0 {
		return nil, usage("--threads %d: give 0 (one per core) or more", c.Int("threads"))
	}
	opts := []infer.Option{
		infer.WithProvider(provider),
		infer.WithThreads(c.Int("threads")),
		infer.WithMaxBatch(batch),
		infer.WithLogger(func(msg string) { fmt.Fprintf(c.App.ErrWriter, "gan-gen: warning: %s\n", msg) }),
	}
	if po := c.StringSlice("provider-option"); len(po) > 0 {
		m := map[string]string{}
		for _, kv := range po {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, usage("--provider-option %q: want KEY=VALUE", kv)
			}
			m[k] = v
		}
		if provider == "cpu" {
			return nil, usage("--provider-option %s: the cpu provider takes no options; they apply to a GPU --provider (%s)",
				strings.Join(po, ","), strings.Join(infer.Providers[1:], ", "))
		}
		opts = append(opts, infer.WithProviderOptions(m))
	}
	if c.Bool("strict-provider") {
		opts = append(opts, infer.WithNoFallback())
	}
	return infer.OpenBytes(name, b, opts...)
}

// parseLabel reads --label as a class index or name.
func parseLabel(s string, g *infer.Generator) (int, error) {
	l, err := g.Class(s)
	if err != nil && !g.Info().Conditional {
		return 0, usage("--label %s: %v; leave --label out", s, err)
	} else if err != nil {
		return 0, usage("--label %s: %v", s, err)
	}
	return l, nil
}

func generateAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usage("unexpected argument %q; see gan-gen --help", c.Args().First())
	}
	p, err := planFromFlags(c)
	if err != nil {
		return err
	}
	g, err := openModel(c, p.batch)
	if err != nil {
		return err
	}
	defer g.Close()
	defer func() {
		if p.o != nil && p.o.Sink != nil {
			p.o.Sink.Abort() // an unfinished staging folder or file goes, whatever happens
		}
	}()
	if err := p.bind(c, g); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if p.interpolate > 0 {
		return interpolate(ctx, c.App.ErrWriter, g, p)
	}
	return generate(ctx, c.App.ErrWriter, g, p)
}
