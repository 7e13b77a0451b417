// Command gan-eval measures the quality of a generator's samples: FID, KID,
// precision and recall, class coverage and a mode-collapse verdict, in the
// feature space of a classifier trained by gogan (the LeNet built into the
// binary, for MNIST) or of any ONNX feature network. `gan-eval reference`
// prints what real data and noise score, to read a score against;
// `gan-eval compare` scores several runs side by side, with their sample
// grids in one image; `gan-eval train-features` trains a feature network.
// Run it with --help.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/train/eval"
	"github.com/gogan/gan/train/tensor"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

func usage(format string, a ...any) error { return command.Usagef(format, a...) }

// run runs gan-eval and returns its exit status: 2 for usage errors (flags,
// missing files, a model that is not a generator), 130 when interrupted, 1
// for failures at run time (unreadable or empty data, a feature network
// whose output is not a vector, a missing runtime library).
func run(args []string, stdout, stderr io.Writer) int {
	return command.Run(newApp(stdout, stderr), args, command.UsageAs[*infer.ModelError]())
}

// Flags shared by scoring and the reference table.
var (
	referenceFlag = &cli.StringFlag{Name: "reference-dir", Usage: "`DIR` of real images to compare with (default: the MNIST test set, for MNIST models only)"}
	featuresFlag  = &cli.StringFlag{Name: "features", Usage: "feature network `FILE`: a .bin from gan-eval train-features, or an .onnx model with one image input (N,C,H,W) and a vector output (N,D) (default: the built-in MNIST LeNet)"}
	rangeFlag     = &cli.StringFlag{Name: "features-range", Value: "-1,1", Usage: "`LO,HI` pixel range an --features .onnx model expects (images are in [-1,1])"}
	nFlag         = &cli.IntFlag{Name: "n", Aliases: []string{"count"}, Value: 10000, Usage: "`N` samples to score; the reference set needs at least as many images"}
	seedFlag      = &cli.Uint64Flag{Name: "seed", Usage: "sample i uses latent seed `S`+i (as in gan-gen); also seeds subsets and KID"}
	kFlag         = &cli.IntFlag{Name: "k", Value: 3, Usage: "neighbourhood size `K` of precision and recall"}
	kidSubsets    = &cli.IntFlag{Name: "kid-subsets", Value: 100, Usage: "`N` random subsets KID averages over"}
	kidSize       = &cli.IntFlag{Name: "kid-subset-size", Value: 1000, Usage: "`N` images per KID subset"}
	jsonFlag      = &cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"}
	threadsFlag   = &cli.IntFlag{Name: "threads", Usage: "`N` threads for the feature network, metrics and onnxruntime (0: all cores)"}
)

func newApp(stdout, stderr io.Writer) *cli.App {
	return command.Setup(&cli.App{
		Name:  "gan-eval",
		Usage: "score a generator's samples: FID, KID, precision/recall, class coverage, mode collapse",
		UsageText: "gan-eval --model FILE.onnx|RUN_DIR [-n 10000] [--json]\n" +
			"gan-eval --images DIR [--reference-dir DIR]\n" +
			"gan-eval --npy FILE.npy [-n 10000]\n" +
			"gan-eval reference [-n 10000]\n" +
			"gan-eval compare [-n 10000] [--grid compare.png] RUN...\n" +
			"gan-eval train-features [--data DIR] -o FILE\n" +
			"gan-eval info [--features FILE]",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "generator `FILE`.onnx exported by gan-train, or a run folder (its generator.onnx)"},
			&cli.StringFlag{Name: "images", Usage: "score the images in `DIR` instead of a generator's samples"},
			&cli.StringFlag{Name: "npy", Usage: "score the images in `FILE`.npy, an (N,C,H,W) float32 array in [-1,1] (another framework's samples); the first --n are used"},
			&cli.StringFlag{Name: "provider", Value: "cpu", Usage: "onnxruntime execution `PROVIDER` for the generator: " + strings.Join(infer.Providers, ", ") + " (falls back to cpu with a warning)"},
			nFlag, seedFlag, referenceFlag, featuresFlag, rangeFlag, kFlag, kidSubsets, kidSize, jsonFlag, threadsFlag, backgroundFlag,
		},
		Action:   scoreAction,
		Commands: []*cli.Command{referenceCommand(), compareCommand(), trainFeaturesCommand(), infoCommand()},
	}, "GAN_EVAL")
}

// setThreads applies --threads to the Go kernels.
func setThreads(c *cli.Context) error {
	n := c.Int("threads")
	if n < 0 {
		return usage("--threads %d: give 0 (all cores) or more", n)
	}
	if n > 0 {
		tensor.SetThreads(n)
	}
	return nil
}

// interruptible returns a context cancelled by SIGINT or SIGTERM.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// scorerOptions reads the metric flags.
func scorerOptions(c *cli.Context) (eval.ScorerOptions, error) {
	opt := eval.ScorerOptions{K: c.Int("k"), KID: true,
		KIDOptions: eval.KIDOptions{Subsets: c.Int("kid-subsets"), SubsetSize: c.Int("kid-subset-size"), Seed: c.Uint64("seed")}}
	switch {
	case opt.K < 1:
		return opt, usage("--k %d: give at least 1", opt.K)
	case opt.Subsets < 1:
		return opt, usage("--kid-subsets %d: give at least 1", opt.Subsets)
	case opt.SubsetSize < 2:
		return opt, usage("--kid-subset-size %d: give at least 2", opt.SubsetSize)
	}
	return opt, nil
}
