package eval

import (
	"fmt"
	"math"
)

// ScorerOptions configures a Scorer. The zero value computes FID,
// precision and recall with k = 3, and coverage when the network
// classifies; KID, the slowest metric, is opt-in.
type ScorerOptions struct {
	K   int  // precision/recall neighbourhood size (default 3)
	KID bool // also compute KID
	KIDOptions
}

// Report is the outcome of scoring one set of generated images.
type Report struct {
	FeatureNet string     `json:"feature_net"`
	Samples    int        `json:"samples"`
	Reference  int        `json:"reference"`
	FID        float64    `json:"fid"`
	KID        *KIDResult `json:"kid,omitempty"`
	Precision  float64    `json:"precision"`
	Recall     float64    `json:"recall"`
	K          int        `json:"k"`
	Coverage   *Coverage  `json:"coverage,omitempty"`
	// Conditional is set by ScoreConditional, for a conditional
	// generator's samples.
	Conditional *Conditional `json:"conditional,omitempty"`
	Verdict     Verdict      `json:"verdict"`
	// Notices say how the images were converted for the network.
	Notices []string `json:"notices,omitempty"`
}

// Scorer scores generated images against a fixed reference set, whose
// features, Gaussian and class coverage it computes once. It is meant for
// repeated scoring during training as much as for gan-eval. A Scorer is
// not safe for concurrent use.
type Scorer struct {
	net    Extractor
	opt    ScorerOptions
	ref    *Features
	refG   Gaussian
	refU   []float32 // ref's features scaled to unit length, for precision/recall
	refCov *Coverage
	// refLabels are ref's classes, when ref.Labels gave them and the
	// network sorts images into classes; nil otherwise.
	refLabels []int
	notice    string
}

// NewScorer embeds the reference images ref with net. Samples scored later
// may number at most ref.N: FID's bias and the k-NN radii depend on the set
// sizes, so scores are only comparable at equal sizes.
func NewScorer(net Extractor, ref Images, opt ScorerOptions) (*Scorer, error) {
	if opt.K <= 0 {
		opt.K = 3
	}
	if ref.N <= opt.K {
		return nil, fmt.Errorf("eval: the reference set has %d images; it needs more than k = %d", ref.N, opt.K)
	}
	f, notice, err := Embed(net, ref)
	if err != nil {
		return nil, err
	}
	s := &Scorer{net: net, opt: opt, ref: f, refG: FitGaussian(f.Data, f.N, f.Dim), refU: UnitRows(f.Data, f.N, f.Dim), notice: notice}
	if f.Probs != nil {
		c := ClassCoverage(f.Probs, f.N, f.Classes, classNames(net, f.Classes))
		s.refCov = &c
		if len(ref.Labels) == ref.N {
			s.refLabels = ref.Labels
		}
	}
	return s, nil
}

func classNames(net Extractor, k int) []string {
	if names := net.ClassNames(); len(names) == k {
		return names
	}
	names := make([]string, k)
	for i := range names {
		names[i] = fmt.Sprint(i)
	}
	return names
}

// ReferenceSize is the number of reference images.
func (s *Scorer) ReferenceSize() int { return s.ref.N }

// ReferenceCoverage is the reference set's class coverage, nil when the
// network does not classify.
func (s *Scorer) ReferenceCoverage() *Coverage { return s.refCov }

// Score scores n generated images (n, c, h, w), values in [-1, 1],
// converting them to the network's input shape when they differ.
func (s *Scorer) Score(images []float32, n, c, h, w int) (Report, error) {
	return s.ScoreImages(Images{N: n, C: c, H: h, W: w, Data: images})
}

// ScoreImages is Score for an Images batch.
func (s *Scorer) ScoreImages(im Images) (Report, error) {
	if err := s.checkCount(im.N); err != nil {
		return Report{}, err
	}
	f, notice, err := Embed(s.net, im)
	if err != nil {
		return Report{}, err
	}
	return s.report(f, notice), nil
}

// checkCount reports whether n images can be scored.
func (s *Scorer) checkCount(n int) error {
	if n <= s.opt.K {
		return fmt.Errorf("eval: %d images to score; need more than k = %d", n, s.opt.K)
	}
	if n > s.ref.N {
		return fmt.Errorf("eval: %d images to score but the reference set has only %d; use at most %d samples or a larger reference set",
			n, s.ref.N, s.ref.N)
	}
	return nil
}

// report is ScoreFeatures' report on the samples' features f, with the
// conversion notices of the reference and of the samples (notice).
func (s *Scorer) report(f *Features, notice string) Report {
	r := s.ScoreFeatures(f)
	if s.notice != "" {
		r.Notices = append(r.Notices, "reference images: "+s.notice)
	}
	if notice != "" {
		r.Notices = append(r.Notices, "samples: "+notice)
	}
	return r
}

// ScoreFeatures scores features already extracted by the Scorer's network.
//
// FID and KID use the features as they are. Precision and recall compare
// their directions (rows scaled to unit length): the ReLU features of
// images unlike the training data, such as noise, have small norms, and
// near the origin they fall inside the wide k-NN balls of the real
// outliers there, which gave uniform noise a precision of 0.97 on raw
// LeNet features and gives it 0.03 on unit ones (real against real: 0.9
// either way).
func (s *Scorer) ScoreFeatures(f *Features) Report {
	if f.Dim != s.ref.Dim || f.N <= s.opt.K {
		panic(fmt.Sprintf("eval: ScoreFeatures: %d features of dimension %d against a reference of dimension %d", f.N, f.Dim, s.ref.Dim))
	}
	r := Report{FeatureNet: s.net.Name(), Samples: f.N, Reference: s.ref.N, K: s.opt.K}
	r.FID = FrechetDistance(s.refG, FitGaussian(f.Data, f.N, f.Dim))
	r.Precision, r.Recall = PrecisionRecall(s.refU, s.ref.N, UnitRows(f.Data, f.N, f.Dim), f.N, f.Dim, s.opt.K)
	if s.opt.KID {
		k := KID(s.ref.Data, s.ref.N, f.Data, f.N, f.Dim, s.opt.KIDOptions)
		r.KID = &k
	}
	if f.Probs != nil && s.refCov != nil {
		c := ClassCoverage(f.Probs, f.N, f.Classes, s.refCov.Classes).WithReference(*s.refCov)
		r.Coverage = &c
	}
	r.Verdict = Judge(r.Coverage, r.Precision, r.Recall)
	if math.IsNaN(r.FID) {
		r.Verdict.Reasons = append(r.Verdict.Reasons, "FID is NaN: the features contain NaN or Inf")
	}
	return r
}
