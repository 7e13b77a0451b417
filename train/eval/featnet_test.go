package eval

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/internal/testenv"
	"github.com/gogan/gan/train/data"
)

func shippedNet(t *testing.T) *FeatureNet {
	t.Helper()
	f, err := DefaultFeatureNet()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mnistTest(t *testing.T) *data.Images {
	t.Helper()
	ds, err := data.LoadMNIST(data.DefaultMNISTDir(), "test")
	testenv.Data(t, err)
	return ds
}

// realHalves returns n images from each of two disjoint halves of the
// MNIST test set.
func realHalves(t *testing.T, n int) (a, b Images) {
	t.Helper()
	x, y := Split(mnistTest(t), 0.5, 7)
	a, err := SampleDataset(x, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err = SampleDataset(y, n, 2)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// The shipped network classifies the MNIST test set at >= 99%, as its
// file records.
func TestShippedFeatureNetAccuracy(t *testing.T) {
	f := shippedNet(t)
	test := mnistTest(t)
	acc, err := Accuracy(f, test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %.2f%% on the MNIST test set (recorded %.2f%%)", f.Name(), 100*acc, 100*f.Info.TestAccuracy)
	if acc < 0.99 {
		t.Errorf("accuracy %.4f, want >= 0.99", acc)
	}
	if !approx.Near(acc, f.Info.TestAccuracy, 0.001) || f.Info.TestImages != test.Len() {
		t.Errorf("measured %.4f on %d images; the file records %.4f on %d", acc, test.Len(), f.Info.TestAccuracy, f.Info.TestImages)
	}
	if c, h, w := f.Input(); c != 1 || h != 28 || w != 28 || len(f.ClassNames()) != 10 || !strings.HasPrefix(f.Name(), "mnist-lenet@") {
		t.Errorf("shipped network %s takes (%d,%d,%d), %d classes", f.Name(), c, h, w, len(f.ClassNames()))
	}
}

// FID between two disjoint real sets is small next to noisy images, and
// grows with the noise level.
func TestFIDFloorAndNoiseOrdering(t *testing.T) {
	f := shippedNet(t)
	ref, reals := realHalves(t, 400)
	sc, err := NewScorer(f, ref, ScorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	score := func(im Images) Report {
		r, err := sc.ScoreImages(im)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	floor := score(reals)
	prev := floor.FID
	var fids []float64
	for _, sigma := range []float64{0.25, 0.5, 0.75, 1} {
		fid := score(Noisy(reals, sigma, 3)).FID
		fids = append(fids, fid)
		if fid <= prev {
			t.Errorf("FID %.3f at noise %.1f is not above %.3f at the level below", fid, sigma, prev)
		}
		prev = fid
	}
	uniform := score(UniformNoise(400, 1, 28, 28, 4)).FID
	t.Logf("FID floor %.3f, noise 0.25-1: %.3f, uniform noise %.3f", floor.FID, fids, uniform)
	if floor.FID > 0.05*uniform || uniform <= fids[0] {
		t.Errorf("floor %.3f is not small next to uniform noise %.3f, or that is below noise 0.25 (%.3f)", floor.FID, uniform, fids[0])
	}
	if floor.Verdict.Collapse || floor.Precision < 0.6 || floor.Recall < 0.6 {
		t.Errorf("real images against real ones: %+v", floor)
	}
}

// A sample of one digit is flagged as mode collapse, with high precision
// (each image is real) and low recall.
func TestScorerFlagsOneClassSample(t *testing.T) {
	f := shippedNet(t)
	test := mnistTest(t)
	var ones []int
	for i := 0; i < test.Len() && len(ones) < 300; i++ {
		if test.Label(i) == 1 {
			ones = append(ones, i)
		}
	}
	sample, err := SampleDataset(Subset(test, ones), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := realHalves(t, 300)
	sc, err := NewScorer(f, ref, ScorerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.ScoreImages(sample)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Verdict.Collapse || r.Coverage == nil || r.Coverage.Share[1] < 0.95 || r.Coverage.Perplexity > 1.5 ||
		r.Precision < 0.8 || r.Recall > 0.3 || !strings.Contains(r.Verdict.Summary, "perplexity") {
		t.Errorf("one-digit sample: FID %.2f precision %.3f recall %.3f verdict %+v coverage %+v",
			r.FID, r.Precision, r.Recall, r.Verdict, r.Coverage)
	}
}

// Scores repeat exactly, and images of another size and channel count are
// converted (with a notice) rather than refused: MNIST upscaled to 56x56
// RGB scores close to MNIST itself.
func TestScoreRepeatsAndConverts(t *testing.T) {
	f := shippedNet(t)
	ref, reals := realHalves(t, 300)
	sc, err := NewScorer(f, ref, ScorerOptions{KID: true, KIDOptions: KIDOptions{Subsets: 10, SubsetSize: 200, Seed: 5}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := sc.ScoreImages(reals)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sc.ScoreImages(reals)
	if !reflect.DeepEqual(a, b) || a.KID == nil || a.Samples != 300 || a.Reference != 300 || a.FeatureNet != f.Name() {
		t.Fatalf("two scores of one sample differ or are incomplete:\n%+v\n%+v", a, b)
	}
	big := Images{N: reals.N, C: 3, H: 56, W: 56, Data: make([]float32, reals.N*3*56*56)}
	for i := range reals.N {
		for ch := range 3 {
			for y := range 56 {
				for x := range 56 {
					big.Data[((i*3+ch)*56+y)*56+x] = reals.Data[i*784+(y/2)*28+x/2]
				}
			}
		}
	}
	r, err := sc.Score(big.Data, big.N, 3, 56, 56)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Notices) != 1 || r.Notices[0] != "samples: converted RGB to gray, resized 56x56 to 28x28" {
		t.Errorf("notices %q", r.Notices)
	}
	if !approx.Near(r.FID, a.FID, 1e-3*a.FID) {
		t.Errorf("MNIST enlarged to 56x56 RGB scores FID %.4f, MNIST itself %.4f", r.FID, a.FID)
	}
	if _, err := sc.ScoreImages(UniformNoise(301, 1, 28, 28, 1)); err == nil || !strings.Contains(err.Error(), "reference set has only 300") {
		t.Errorf("more samples than reference images: %v", err)
	}
}

func TestFeatureNetFileRoundTrip(t *testing.T) {
	f := shippedNet(t)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	g, err := ParseFeatureNet(b)
	if err != nil || g.Name() != f.Name() || !reflect.DeepEqual(g.Info, f.Info) {
		t.Fatalf("round trip: %v, %s vs %s", err, g.Name(), f.Name())
	}
	im := UniformNoise(3, 1, 28, 28, 9)
	x, _ := f.Extract(im.Data, 3)
	y, _ := g.Extract(im.Data, 3)
	if !reflect.DeepEqual(x, y) {
		t.Error("reloaded network computes other features")
	}
	corrupt := func(name string, b []byte, want string) {
		if _, err := ParseFeatureNet(b); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, want)
		}
	}
	corrupt("empty", nil, "truncated header")
	corrupt("bad magic", append([]byte("ONNX"), b[4:]...), "bad magic")
	v2 := bytes.Clone(b)
	v2[4] = 2
	corrupt("version", v2, "version 2")
	corrupt("truncated", b[:len(b)-10], "weights")
	corrupt("trailing", append(bytes.Clone(b), 0), "follow the weights")
	flipped := bytes.Clone(b)
	flipped[len(b)/2] ^= 1
	corrupt("flipped bit", flipped, "weights")
}

// Training is repeatable: the same data and seed give the same file.
func TestTrainFeatureNetRepeatable(t *testing.T) {
	test := mnistTest(t)
	idx := identity(160)
	train, held := Subset(test, idx[:128]), Subset(test, idx[128:])
	opt := TrainOptions{Epochs: 1, BatchSize: 32, Seed: 3}
	a, err := TrainFeatureNet(train, held, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := TrainFeatureNet(train, held, opt)
	if a.Name() != b.Name() || a.Info.TestImages != 32 || a.Info.Recipe.Epochs != 1 || a.Info.Name != "mnist-lenet" {
		t.Errorf("two trainings: %s %+v and %s", a.Name(), a.Info, b.Name())
	}
	opt.Seed = 4
	if c, _ := TrainFeatureNet(train, held, opt); c.Name() == a.Name() {
		t.Error("another seed gave the same weights")
	}
	unlabelled := data.NewImages("plain", 1, 8, 8, make([]uint8, 64*4), nil, nil)
	if _, err := TrainFeatureNet(unlabelled, unlabelled, opt); err == nil || !strings.Contains(err.Error(), "needs labelled data") {
		t.Errorf("unlabelled data: %v", err)
	}
}
