package eval

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/train/data"
)

// clusterRow is a feature vector near axis c of d dimensions.
func clusterRow(rng *rand.Rand, c, d int) []float32 {
	row := make([]float32, d)
	for j := range row {
		row[j] = float32(0.05 * rng.Float64())
	}
	row[c] = 1
	return row
}

// ConditionalScores on features with a known answer: each label's
// samples are read as their class at a different rate, those of label 0
// and 2 are copies of their class's reference images (precision and
// recall 1), those of label 1 copies of class 2's (0 and 0), label 3 has
// too few samples for k-NN and label 4 none. Labels off by one or
// classes mixed up change the figures.
func TestConditionalScoresKnown(t *testing.T) {
	const d, perClass, k = 6, 40, 3
	classes := []string{"a", "b", "c", "d", "e"}
	nc := len(classes)
	rng := rand.New(rand.NewPCG(1, 2))
	ref := &Features{Dim: d}
	var refLabels []int
	byClass := make([][][]float32, nc)
	for c := range 4 {
		for range perClass {
			row := clusterRow(rng, c, d)
			ref.Data = append(ref.Data, row...)
			refLabels = append(refLabels, c)
			byClass[c] = append(byClass[c], row)
		}
	}
	ref.N = len(refLabels)

	type sample struct {
		label, read int
		row         []float32
	}
	var ss []sample
	// label l's samples: copies of class src's reference rows, the first
	// `right` of them read as l, the others as l+1.
	add := func(l, src, n, right int) {
		for i := range n {
			read := l
			if i >= right {
				read = (l + 1) % nc
			}
			ss = append(ss, sample{l, read, byClass[src][i%perClass]})
		}
	}
	add(0, 0, perClass, perClass) // accuracy 1
	add(1, 2, perClass, 10)       // 0.25
	add(2, 2, perClass, 30)       // 0.75
	add(3, 3, 5, 3)               // 0.6, too few for k-NN
	rng.Shuffle(len(ss), func(i, j int) { ss[i], ss[j] = ss[j], ss[i] })
	f := &Features{N: len(ss), Dim: d, Classes: nc, Probs: make([]float32, len(ss)*nc)}
	labels := make([]int, len(ss))
	for i, s := range ss {
		f.Data = append(f.Data, s.row...)
		labels[i] = s.label
		for j := range nc {
			f.Probs[i*nc+j] = 0.1
		}
		f.Probs[i*nc+s.read] = 0.6
	}

	c := ConditionalScores(f, labels, ref, refLabels, classes, k)
	if len(c.PerLabel) != 4 || !c.ReferenceLabels || c.MinKNN != 30 {
		t.Fatalf("%d labels (want 4: e has no samples), reference labels %v, min %d", len(c.PerLabel), c.ReferenceLabels, c.MinKNN)
	}
	want := []struct {
		class         string
		samples, ref  int
		acc           float64
		precision, rc float64 // -1: skipped
	}{
		{"a", 40, 40, 1, 1, 1},
		{"b", 40, 40, 0.25, 0, 0},
		{"c", 40, 40, 0.75, 1, 1},
		{"d", 5, 40, 0.6, -1, -1},
	}
	for l, w := range want {
		s := c.PerLabel[l]
		if s.Label != l || s.Class != w.class || s.Samples != w.samples || s.Reference != w.ref || !near(s.Accuracy, w.acc, 1e-12) {
			t.Errorf("label %d: got %+v, want %+v", l, s, w)
		}
		if w.precision < 0 {
			if s.Precision != nil || s.Recall != nil || !strings.Contains(s.Note, "too few for k-NN precision and recall (5 samples, 40 reference images; need 30 each)") {
				t.Errorf("label %d: precision/recall not skipped: %+v", l, s)
			}
			continue
		}
		if s.Precision == nil || s.Recall == nil || *s.Precision != w.precision || *s.Recall != w.rc {
			t.Errorf("label %d: precision %v recall %v, want %v %v", l, s.Precision, s.Recall, w.precision, w.rc)
		}
	}
	if c.MinAccuracy != 0.25 || c.MinLabel != 1 || c.MinClass != "b" || !near(c.MeanAccuracy, (1+0.25+0.75+0.6)/4, 1e-12) {
		t.Errorf("min %v (label %d), mean %v", c.MinAccuracy, c.MinLabel, c.MeanAccuracy)
	}

	// Without reference labels: accuracy alone.
	c = ConditionalScores(f, labels, ref, nil, classes, k)
	if c.ReferenceLabels || c.PerLabel[0].Precision != nil || c.PerLabel[0].Reference != 0 || c.PerLabel[1].Accuracy != 0.25 {
		t.Errorf("without reference labels: %+v", c)
	}
}

// With one class, a label's precision and recall are the global ones of
// ScoreFeatures: the same method, not a second one.
func TestConditionalOneClassIsGlobal(t *testing.T) {
	const d, n = 8, 200
	rng := rand.New(rand.NewPCG(3, 4))
	ref := &Features{N: n, Dim: d, Data: gaussianSample(rng, n, make([]float64, d), []float64{1, 1, 1, 1, 1, 1, 1, 1})}
	f := &Features{N: n, Dim: d, Data: gaussianSample(rng, n, []float64{0.5, 0, 0, 0, 0, 0, 0, 0}, []float64{1, 2, 1, 1, 1, 1, 1, 1}), Classes: 1, Probs: make([]float32, n)}
	labels, refLabels := make([]int, n), make([]int, n)
	c := ConditionalScores(f, labels, ref, refLabels, []string{"only"}, 3)
	s := &Scorer{opt: ScorerOptions{K: 3}, net: pixelNet{}, ref: ref, refG: FitGaussian(ref.Data, n, d), refU: UnitRows(ref.Data, n, d)}
	g := s.ScoreFeatures(&Features{N: n, Dim: d, Data: f.Data})
	if p := c.PerLabel[0]; p.Precision == nil || *p.Precision != g.Precision || *p.Recall != g.Recall || g.Precision == 1 || g.Recall == 1 {
		t.Errorf("one class: precision %v recall %v; global %v %v", p.Precision, p.Recall, g.Precision, g.Recall)
	}
}

// clusterNet takes 1x4x4 images; its features are the pixels, and it
// reads an image as class 1 when its mean pixel is positive.
type clusterNet struct{}

func (clusterNet) Name() string         { return "clusters" }
func (clusterNet) Input() (c, h, w int) { return 1, 4, 4 }
func (clusterNet) ClassNames() []string { return []string{"dark", "light"} }
func (clusterNet) Extract(images []float32, n int) (*Features, error) {
	f := &Features{N: n, Dim: 16, Data: append([]float32(nil), images[:n*16]...), Classes: 2, Probs: make([]float32, n*2)}
	for i := range n {
		sum := float32(0)
		for _, v := range images[i*16 : (i+1)*16] {
			sum += v
		}
		if sum > 0 {
			f.Probs[i*2+1] = 1
		} else {
			f.Probs[i*2] = 1
		}
	}
	return f, nil
}

// A session keeps its reference sample's labels in step with its images
// (SampleDataset shuffles both alike): scoring that very sample as
// conditional samples gives accuracy, precision and recall 1 per label.
// The generator's classes must be the network's; an unlabelled reference
// gives accuracy alone, with a notice.
func TestSessionScoreConditional(t *testing.T) {
	const n = 200
	rng := rand.New(rand.NewPCG(7, 8))
	pix, labels := make([]uint8, n*16), make([]int, n)
	for i := range n {
		labels[i] = rng.IntN(2)
		for j := range 16 {
			pix[i*16+j] = uint8(rng.IntN(100) + 155*labels[i])
		}
	}
	classes := []string{"dark", "light"}
	ds := data.NewImages("clusters", 1, 4, 4, pix, labels, classes)
	s, err := NewSession(clusterNet{}, ds, SessionOptions{N: 150, Name: "clusters", Seed: 3, MatchClasses: true})
	if err != nil {
		t.Fatal(err)
	}
	im, err := SampleDataset(ds, 150, 3)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.ScoreConditional(im, classes)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Conditional
	if c == nil || len(c.PerLabel) != 2 || c.MinAccuracy != 1 || c.PerLabel[0].Samples+c.PerLabel[1].Samples != 150 {
		t.Fatalf("conditional report %+v", c)
	}
	for _, p := range c.PerLabel {
		if p.Precision == nil || *p.Precision != 1 || *p.Recall != 1 || p.Reference != p.Samples {
			t.Errorf("label %s: %+v", p.Class, p)
		}
	}
	if plain, _ := s.Score(im); plain.Conditional != nil || plain.FID != r.FID || plain.Precision != r.Precision {
		t.Error("Score and ScoreConditional differ beyond Conditional")
	}

	if r, _ := s.ScoreConditional(im, []string{"light", "dark"}); r.Conditional != nil || !strings.Contains(strings.Join(r.Notices, "\n"), "not the feature network's") {
		t.Errorf("mismatched classes: %+v", r)
	}
	unl := data.NewImages("clusters", 1, 4, 4, pix, nil, nil)
	ref, _ := SampleDataset(unl, 150, 3)
	if ref.Labels != nil {
		t.Fatal("an unlabelled set's sample has labels")
	}
	s, err = NewSessionImages(clusterNet{}, ref, nil, "unlabelled", SessionOptions{N: 150})
	if err != nil {
		t.Fatal(err)
	}
	r, err = s.ScoreConditional(im, classes)
	if err != nil || r.Conditional == nil || r.Conditional.ReferenceLabels || r.Conditional.PerLabel[0].Precision != nil ||
		!strings.Contains(strings.Join(r.Notices, "\n"), "carry no labels") {
		t.Errorf("unlabelled reference: %v %+v", err, r)
	}
	im.Labels = im.Labels[:10]
	if _, err := s.ScoreConditional(im, classes); err == nil {
		t.Error("labels for fewer samples than given were accepted")
	}
}
