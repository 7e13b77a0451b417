package eval_test

import (
	"fmt"
	"log"

	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/eval"
)

// Scoring during training: build the Scorer once from a fixed reference
// sample, then score each batch of generated images (N,C,H,W) in [-1,1].
// (500 images keep the example quick; gan-eval and --eval-every use 2000
// or more.) Without MNIST the example is skipped (main_test.go).
func ExampleScorer() {
	net, err := eval.DefaultFeatureNet()
	if err != nil {
		log.Fatal(err)
	}
	test, err := data.LoadMNIST(data.DefaultMNISTDir(), "test")
	if err != nil {
		log.Fatal(err)
	}
	ref, err := eval.SampleDataset(test, 500, 1)
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
	// FID is rounded so that the output holds on every kernel path.
	fmt.Printf("%s: FID %.0f, precision %.2f, recall %.2f, %s\n", r.FeatureNet, r.FID, r.Precision, r.Recall, r.Verdict.Summary)
	// Output: mnist-lenet@f74e73de: FID 82, precision 1.00, recall 1.00, no mode collapse detected
}
