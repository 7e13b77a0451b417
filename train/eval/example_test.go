package eval_test

import (
	"fmt"
	"log"

	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/eval"
)

// Scoring during training: build the Scorer once from a fixed reference
// sample, then score each batch of generated images (N,C,H,W) in [-1,1].
func ExampleScorer() {
	net, err := eval.DefaultFeatureNet()
	if err != nil {
		log.Fatal(err)
	}
	test, err := data.LoadMNIST(data.DefaultMNISTDir(), "test")
	if err != nil {
		log.Fatal(err)
	}
	ref, err := eval.SampleDataset(test, 2000, 1)
	if err != nil {
		log.Fatal(err)
	}
	sc, err := eval.NewScorer(net, ref, eval.ScorerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// In a training loop these come from the generator.
	fake := eval.Noisy(ref, 0.3, 1)
	r, err := sc.Score(fake.Data, fake.N, fake.C, fake.H, fake.W)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: FID %.2f, precision %.2f, recall %.2f, %s\n", r.FeatureNet, r.FID, r.Precision, r.Recall, r.Verdict.Summary)
}
