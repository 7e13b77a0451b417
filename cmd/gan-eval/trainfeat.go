package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/internal/atomicfile"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/eval"
	"github.com/gogan/gan/train/tensor"
)

func trainFeaturesCommand() *cli.Command {
	d := eval.DefaultTrainOptions()
	return &cli.Command{
		Name:  "train-features",
		Usage: "train a LeNet feature network on MNIST or a labelled image folder",
		Description: "The built-in MNIST network was made by `make featnet`:\n" +
			"  gan-eval train-features --threads 2 -o train/eval/featnet/mnist_lenet.bin\n" +
			"The same flags, thread count and CPU kernel path give the same weights bit for bit.\n" +
			"A folder needs class subfolders (DIR/cat/*.png, DIR/dog/*.png); without --test-dir, a seeded\n" +
			"--test-share of it is held out to measure the accuracy.",
		UsageText: "gan-eval train-features [--data mnist|DIR] -o FILE [--epochs 3] [--threads 2]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Value: "mnist", Usage: "mnist, or a `DIR` of images in class subfolders"},
			&cli.StringFlag{Name: "test-dir", Usage: "`DIR` of held-out images in the same class subfolders (default: hold out --test-share of --data)"},
			&cli.Float64Flag{Name: "test-share", Value: 0.1, Usage: "`SHARE` of a folder held out for the accuracy when there is no --test-dir"},
			&cli.IntFlag{Name: "image-size", Usage: "`SIDE` of the square images of a folder (default 32)"},
			&cli.IntFlag{Name: "channels", Value: 3, Usage: "`C`: 1 (gray) or 3 (RGB) for a folder"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "feature network `FILE` to write"},
			&cli.StringFlag{Name: "name", Usage: "`NAME` in reports (default <data>-lenet, <data> the folder's base name)"},
			backgroundFlag,
			&cli.IntFlag{Name: "epochs", Value: d.Epochs, Usage: "`N` passes over the training images"},
			&cli.IntFlag{Name: "batch-size", Value: d.BatchSize, Usage: "`N` images per Adam step"},
			&cli.Float64Flag{Name: "lr", Value: d.LR, Usage: "Adam learning rate `LR`"},
			&cli.Float64Flag{Name: "lr-decay", Value: d.LRDecay, Usage: "`FACTOR` the learning rate is multiplied by after each epoch"},
			&cli.Uint64Flag{Name: "seed", Value: d.Seed, Usage: "`SEED` of the initial weights and the batch order"},
			threadsFlag,
		},
		Action: trainFeaturesAction,
	}
}

func trainFeaturesAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usage("unexpected argument %q; see gan-eval train-features --help", c.Args().First())
	}
	if err := setThreads(c); err != nil {
		return err
	}
	opt := eval.TrainOptions{Name: c.String("name"), Epochs: c.Int("epochs"), BatchSize: c.Int("batch-size"),
		LR: c.Float64("lr"), LRDecay: c.Float64("lr-decay"), Seed: c.Uint64("seed"), Log: func(msg string) { fmt.Fprintln(c.App.ErrWriter, msg) }}
	switch {
	case opt.Epochs < 1:
		return usage("--epochs %d: give at least 1", opt.Epochs)
	case opt.BatchSize < 1:
		return usage("--batch-size %d: give at least 1", opt.BatchSize)
	case !(opt.LR > 0):
		return usage("--lr %g: give a positive learning rate", opt.LR)
	case !(opt.LRDecay > 0 && opt.LRDecay <= 1):
		return usage("--lr-decay %g: give a factor in (0, 1]", opt.LRDecay)
	}
	out := c.String("out")
	if out == "" {
		return usage("train-features needs -o FILE, the feature network file to write")
	}
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return usage("--out %s: folder %s does not exist", out, filepath.Dir(out))
	}
	trainSet, testSet, err := trainingData(c)
	if err != nil {
		return err
	}
	if src := c.String("data"); opt.Name == "" && src != "mnist" {
		opt.Name = filepath.Base(filepath.Clean(src)) + "-lenet" // the dataset's name carries a count and a hash
	}
	f, err := eval.TrainFeatureNet(trainSet, testSet, opt)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(out, func(w io.Writer) error { _, err := f.WriteTo(w); return err }); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "wrote %s: %s, test accuracy %.2f%% (%d images), %d threads, kernel %s\n",
		out, f.Name(), 100*f.Info.TestAccuracy, f.Info.TestImages, tensor.Threads(), tensor.KernelPath())
	return nil
}

// trainingData loads the training and test sets --data names.
func trainingData(c *cli.Context) (trainSet, testSet data.Dataset, err error) {
	src := c.String("data")
	if src == "mnist" {
		for _, f := range []string{"image-size", "channels", "test-dir", "test-share", "background"} {
			if c.IsSet(f) {
				return nil, nil, usage("--%s applies to a folder; MNIST has its own 28x28 gray test split", f)
			}
		}
		dir := data.DefaultMNISTDir()
		tr, err := data.LoadMNIST(dir, "train")
		if err != nil {
			return nil, nil, err
		}
		te, err := data.LoadMNIST(dir, "test")
		return tr, te, err
	}
	size, ch := c.Int("image-size"), c.Int("channels")
	if size == 0 {
		size = 32
	}
	if size < 4 || (ch != 1 && ch != 3) {
		return nil, nil, usage("--image-size %d --channels %d: want at least 4 pixels and 1 or 3 channels", size, ch)
	}
	bg, err := folderBackground(c)
	if err != nil {
		return nil, nil, err
	}
	load := func(flag, dir string) (*data.Images, error) {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, usage("--%s %s: no such folder", flag, dir)
		}
		ds, err := data.LoadFolder(dir, data.FolderOptions{Size: size, Channels: ch, Background: bg,
			Warn: func(msg string) { fmt.Fprintf(c.App.ErrWriter, "gan-eval: warning: %s\n", msg) }})
		if err != nil {
			return nil, fmt.Errorf("--%s: %v", flag, strings.TrimPrefix(err.Error(), "data: "))
		}
		if ds.NumClasses() < 2 {
			return nil, fmt.Errorf("--%s %s: the images carry no labels (a feature network is trained as a classifier: put them in at least two class subfolders); or score with an ONNX feature network via --features FILE.onnx", flag, dir)
		}
		return ds, nil
	}
	all, err := load("data", src)
	if err != nil {
		return nil, nil, err
	}
	if td := c.String("test-dir"); td != "" {
		te, err := load("test-dir", td)
		if err != nil {
			return nil, nil, err
		}
		if strings.Join(te.ClassNames(), "/") != strings.Join(all.ClassNames(), "/") {
			return nil, nil, fmt.Errorf("--test-dir %s has classes %v; --data has %v", td, te.ClassNames(), all.ClassNames())
		}
		return all, te, nil
	}
	share := c.Float64("test-share")
	if !(share > 0 && share < 1) {
		return nil, nil, usage("--test-share %g: give a share between 0 and 1", share)
	}
	if all.Len() < 10 {
		return nil, nil, fmt.Errorf("--data %s: %d images are too few to train and test a classifier", src, all.Len())
	}
	tr, te := eval.Split(all, share, c.Uint64("seed"))
	return tr, te, nil
}

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "describe a feature network: input, classes, training recipe, accuracy",
		UsageText: "gan-eval info [--features FILE]",
		Flags:     []cli.Flag{featuresFlag, rangeFlag, threadsFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usage("unexpected argument %q; see gan-eval info --help", c.Args().First())
			}
			net, release, err := openFeatures(c)
			if err != nil {
				return err
			}
			defer release()
			w := c.App.Writer
			ch, h, wd := net.Input()
			fmt.Fprintf(w, "name:      %s\n", net.Name())
			fmt.Fprintf(w, "input:     (N,%d,%d,%d) in [-1,1]\n", ch, h, wd)
			f, ok := net.(*eval.FeatureNet)
			if !ok {
				fmt.Fprintf(w, "kind:      ONNX feature network (features only: no class coverage)\n")
				return nil
			}
			r := f.Info.Recipe
			fmt.Fprintf(w, "kind:      %s, 128 features from the penultimate layer\n", f.Info.Arch)
			fmt.Fprintf(w, "classes:   %d (%s)\n", len(f.Info.Classes), strings.Join(f.Info.Classes, " "))
			fmt.Fprintf(w, "trained:   %s, %d epochs of batch %d, Adam lr %g decayed %g per epoch, seed %d, %d threads, kernel %s\n",
				f.Info.Dataset, r.Epochs, r.BatchSize, r.LR, r.LRDecay, r.Seed, r.Threads, r.Kernel)
			fmt.Fprintf(w, "accuracy:  %.2f%% on %d held-out images\n", 100*f.Info.TestAccuracy, f.Info.TestImages)
			return nil
		},
	}
}
