package eval

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// TrainOptions is the recipe of TrainFeatureNet. Zero fields take the
// defaults that made the shipped network: 3 epochs of batch 64, Adam 1e-3.
type TrainOptions struct {
	Name      string // the network's name in reports (default "<dataset>-lenet")
	Epochs    int
	BatchSize int
	LR        float64
	// LRDecay multiplies the learning rate after each epoch (0: 1, none);
	// the shipped network decays 0.3 a step so that its last epoch settles
	// at a small rate.
	LRDecay float64
	Seed    uint64 // weights and batch order are pure functions of it
	// Log receives a progress line now and then (nil: silent).
	Log func(msg string)
}

// DefaultTrainOptions is the recipe of the shipped MNIST network.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Epochs: 3, BatchSize: 64, LR: 1e-3, LRDecay: 0.3, Seed: 1}
}

// TrainFeatureNet trains a LeNet classifier on the labelled dataset train
// with Adam and measures its accuracy on test. The result is bit-for-bit
// the same for the same data, options, thread count and sgemm kernel path.
func TrainFeatureNet(train, test data.Dataset, opt TrainOptions) (*FeatureNet, error) {
	d := DefaultTrainOptions()
	if opt.Epochs <= 0 {
		opt.Epochs = d.Epochs
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = d.BatchSize
	}
	if opt.LR <= 0 {
		opt.LR = d.LR
	}
	if opt.LRDecay <= 0 {
		opt.LRDecay = 1
	}
	if opt.Name == "" {
		opt.Name = train.Name() + "-lenet"
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			opt.Log(fmt.Sprintf(format, args...))
		}
	}
	k := train.NumClasses()
	if k < 2 {
		return nil, fmt.Errorf("eval: %s has %d classes; a feature network is trained as a classifier and needs labelled data (at least two class folders)", train.Name(), k)
	}
	if test.NumClasses() != k || test.Len() == 0 {
		return nil, fmt.Errorf("eval: test set %s has %d classes and %d images; want the %d classes of %s", test.Name(), test.NumClasses(), test.Len(), k, train.Name())
	}
	c, h, w := train.Shape()
	net, err := models.NewLeNet(c, h, w, k, rand.New(rand.NewPCG(opt.Seed, 0x6c656e6574))) // "lenet"
	if err != nil {
		return nil, err
	}
	loader, err := data.NewLoader(train, data.LoaderOptions{BatchSize: opt.BatchSize, Seed: opt.Seed})
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	adam := nn.NewAdam(net.Params(), opt.LR, 0.9, 0.999, 1e-8, 0)
	steps := opt.Epochs * loader.BatchesPerEpoch()
	start := time.Now()
	logf("training %s: LeNet on %s (%d images, %d classes, %dx%dx%d), %d epochs of batch %d, Adam %g decayed %g per epoch, seed %d, %d threads",
		opt.Name, train.Name(), train.Len(), k, c, h, w, opt.Epochs, opt.BatchSize, opt.LR, opt.LRDecay, opt.Seed, tensor.Threads())
	runLoss := 0.0
	for step := 1; step <= steps; step++ {
		b := loader.Next()
		x := tensor.New(b.Images, b.N, c, h, w)
		loss := tensor.SoftmaxCrossEntropy(net.Forward(x), b.Labels)
		loss.Backward()
		adam.Step()
		adam.ZeroGrad()
		l := float64(loss.Item())
		if l != l {
			return nil, errors.New("eval: feature network training diverged (loss is NaN); try a smaller learning rate")
		}
		runLoss = 0.98*runLoss + 0.02*l
		if step%200 == 0 || b.Last {
			logf("epoch %d step %d/%d lr %.2g loss %.4f (%.0f s)", b.Epoch+1, step, steps, adam.LR, runLoss/(1-math.Pow(0.98, float64(step))), time.Since(start).Seconds())
		}
		if b.Last {
			adam.LR *= opt.LRDecay
		}
	}
	info := FeatureNetInfo{
		Name: opt.Name, Arch: "lenet", Channels: c, Height: h, Width: w,
		Classes: append([]string(nil), train.ClassNames()...), Dataset: train.Name(),
		Recipe: Recipe{Epochs: opt.Epochs, BatchSize: opt.BatchSize, LR: opt.LR, LRDecay: opt.LRDecay, Seed: opt.Seed,
			Threads: tensor.Threads(), Kernel: tensor.KernelPath()},
	}
	f := newFeatureNet(info, net, nil)
	acc, err := Accuracy(f, test)
	if err != nil {
		return nil, err
	}
	f.Info.TestAccuracy, f.Info.TestImages = acc, test.Len()
	file, err := encode(f.Info, net)
	if err != nil {
		return nil, err
	}
	f = newFeatureNet(f.Info, net, file)
	logf("done in %.0f s: test accuracy %.2f%% on %d images of %s", time.Since(start).Seconds(), 100*acc, test.Len(), test.Name())
	return f, nil
}

// Accuracy returns the share of ds's images whose top class is their label.
func Accuracy(f *FeatureNet, ds data.Dataset) (float64, error) {
	if ds.NumClasses() != len(f.Info.Classes) {
		return 0, fmt.Errorf("eval: %s has %d classes; the feature network %s has %d", ds.Name(), ds.NumClasses(), f.Name(), len(f.Info.Classes))
	}
	const chunk = 2048
	k := len(f.Info.Classes)
	right := 0
	all := identity(ds.Len())
	for lo := 0; lo < ds.Len(); lo += chunk {
		sub := Subset(ds, all[lo:min(lo+chunk, ds.Len())])
		im, err := SampleDataset(sub, 0, 0)
		if err != nil {
			return 0, err
		}
		feats, _, err := Embed(f, im)
		if err != nil {
			return 0, err
		}
		for i := range im.N {
			row := feats.Probs[i*k : (i+1)*k]
			best := 0
			for j, p := range row {
				if p > row[best] {
					best = j
				}
			}
			if best == sub.Label(i) {
				right++
			}
		}
	}
	return float64(right) / float64(ds.Len()), nil
}

// Subset is the images idx of ds, in that order, as a Dataset.
func Subset(ds data.Dataset, idx []int) data.Dataset { return &subset{ds, idx} }

type subset struct {
	data.Dataset
	idx []int
}

func (s *subset) Len() int                   { return len(s.idx) }
func (s *subset) Image(i int, dst []float32) { s.Dataset.Image(s.idx[i], dst) }
func (s *subset) Label(i int) int            { return s.Dataset.Label(s.idx[i]) }

// Split holds out a seeded share frac of ds's images as a test set, for
// folders that have no test split of their own.
func Split(ds data.Dataset, frac float64, seed uint64) (train, test data.Dataset) {
	idx := identity(ds.Len())
	data.Shuffle(idx, seed, 0)
	nt := max(1, int(frac*float64(len(idx))))
	return Subset(ds, idx[nt:]), Subset(ds, idx[:nt])
}
