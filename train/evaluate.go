package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/eval"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// evalSamples is how many generated images eval_every scores: enough for
// a stable FID trend, few enough to take seconds on two cores.
const evalSamples = 2000

// evaluator scores the sampling generator on a fixed set of latents
// against a fixed reference sample, for Config.EvalEvery, through the same
// scoring session as gan-eval's.
type evaluator struct {
	sess   *eval.Session
	z      *tensor.Tensor
	labels []int
	best   float64
}

// newEvaluator builds the scorer: the shipped MNIST feature network, with
// the MNIST test set as reference for MNIST runs and a sample of the
// training data otherwise. settingName words the eval_every setting in
// messages.
func newEvaluator(cfg Config, ds data.Dataset, settingName func(string) string) (*evaluator, error) {
	net, err := eval.DefaultFeatureNet()
	if err != nil {
		return nil, err
	}
	var refSet data.Dataset = ds
	name := ds.Name()
	if cfg.Data == "" || cfg.Data == "mnist" {
		name = "mnist test"
		if refSet, err = data.LoadMNIST(data.DefaultMNISTDir(), "test"); err != nil {
			return nil, fmt.Errorf("%s needs the MNIST test set: %w", settingName("eval_every"), err)
		}
	}
	n := min(evalSamples, refSet.Len())
	sess, err := eval.NewSession(net, refSet, eval.SessionOptions{N: n, Name: name, Seed: cfg.Seed})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", settingName("eval_every"), err)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 4))
	e := &evaluator{sess: sess, z: tensor.Randn(rng, 0, 1, n, cfg.Model.ZDim), best: math.Inf(1)}
	if k := cfg.Model.Classes; k > 0 {
		e.labels = make([]int, n)
		for i := range e.labels {
			e.labels[i] = i % k
		}
	}
	return e, nil
}

// score generates the fixed sample with g in eval mode and scores it.
func (e *evaluator) score(g Generator, s Config) (eval.Report, error) {
	n := e.z.Dim(0)
	zdim := e.z.Dim(1)
	chw := s.Model.Channels * s.Model.Size * s.Model.Size
	imgs := make([]float32, n*chw)
	nn.SetTraining(g, false)
	defer nn.SetTraining(g, true)
	const chunk = 250
	tensor.NoGrad(func() {
		for lo := 0; lo < n; lo += chunk {
			hi := min(n, lo+chunk)
			z := tensor.New(e.z.Data[lo*zdim:hi*zdim], hi-lo, zdim)
			var y []int
			if e.labels != nil {
				y = e.labels[lo:hi]
			}
			copy(imgs[lo*chw:hi*chw], g.Generate(z, y).Data)
		}
	})
	return e.sess.Score(eval.Images{N: n, C: s.Model.Channels, H: s.Model.Size, W: s.Model.Size, Data: imgs})
}

// evaluate scores the run's sampler, fills rec's quality columns and keeps
// checkpoints/best.ckpt when the FID improved.
func (r *Run) evaluate(rec *Record) error {
	g := r.model.Sampler()
	rep, err := r.eval.score(g, r.Cfg)
	if !trains(r.model, g) {
		nn.SetTraining(g, false) // the EMA generator stays in eval mode
	}
	if err != nil {
		return err
	}
	rec.FID = rep.FID
	if rep.Coverage != nil {
		rec.Perplexity = rep.Coverage.Perplexity
	}
	if rep.FID < r.eval.best {
		r.eval.best = rep.FID
		if err := r.saveTo(filepath.Join(r.Dir, "checkpoints", "best.ckpt")); err != nil {
			return err
		}
	}
	return nil
}
