package eval

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gogan/gan/train/data"
)

// SessionOptions configure a Session.
type SessionOptions struct {
	// N is the number of reference images drawn; a scored set holds more
	// than K and at most N images.
	N int
	// Name names the reference set in Session.Reference ("mnist test").
	Name string
	// Seed draws the reference sample (and any disjoint sample).
	Seed uint64
	// MatchClasses computes class coverage only when the network sorts
	// images into the reference set's own classes; otherwise a classifier's
	// coverage is computed whatever the reference holds (gan-train scores
	// every run's digit perplexity this way).
	MatchClasses bool
	ScorerOptions
}

// Session is a scoring session: a feature network, a reference sample of
// real images embedded once, and the metric options. gan-eval's score,
// reference and compare actions and gan-train's --eval-every all score
// through one. A Session is not safe for concurrent use.
type Session struct {
	Net Extractor
	// Reference describes the reference sample, e.g. "mnist test (2000 of
	// 10000 images)".
	Reference string
	// Note, when set, says why the scores carry no class coverage although
	// the network classifies.
	Note string
	sc   *Scorer
}

// NewSession draws opt.N images of ref, seeded by opt.Seed, and embeds
// them with net.
func NewSession(net Extractor, ref data.Dataset, opt SessionOptions) (*Session, error) {
	if err := checkSize(opt); err != nil {
		return nil, err
	}
	if ref.Len() < opt.N {
		return nil, fmt.Errorf("eval: the reference set %s has %d images, fewer than the %d to score", opt.Name, ref.Len(), opt.N)
	}
	im, err := SampleDataset(ref, opt.N, opt.Seed)
	if err != nil {
		return nil, err
	}
	return NewSessionImages(net, im, ref.ClassNames(),
		fmt.Sprintf("%s (%d of %d images)", opt.Name, opt.N, ref.Len()), opt)
}

// NewSessionImages starts a session on reference images already drawn
// (one of DisjointSamples' halves, say), whose classes are classes (nil:
// unlabelled) and whose description is desc.
func NewSessionImages(net Extractor, ref Images, classes []string, desc string, opt SessionOptions) (*Session, error) {
	if err := checkSize(opt); err != nil {
		return nil, err
	}
	s := &Session{Net: net, Reference: desc}
	scoreNet := net
	if opt.MatchClasses {
		scoreNet, s.Note = coverageNet(net, classes)
	}
	var err error
	if s.sc, err = NewScorer(scoreNet, ref, opt.ScorerOptions); err != nil {
		return nil, err
	}
	return s, nil
}

func checkSize(opt SessionOptions) error {
	k := opt.K
	if k <= 0 {
		k = 3
	}
	if opt.N <= k {
		return fmt.Errorf("eval: %d images to score; need more than k = %d", opt.N, k)
	}
	return nil
}

// Score scores generated (or real) images against the reference.
func (s *Session) Score(im Images) (Report, error) { return s.sc.ScoreImages(im) }

// ScoreConditional scores a conditional generator's samples, whose
// im.Labels are the labels they were asked for, named by classes (see
// Scorer.ScoreConditional).
func (s *Session) ScoreConditional(im Images, classes []string) (Report, error) {
	return s.sc.ScoreConditional(im, classes)
}

// ReferenceSize is the number of reference images.
func (s *Session) ReferenceSize() int { return s.sc.ReferenceSize() }

// DisjointSamples draws two disjoint samples of n images from ds: its two
// halves (Split at 0.5), n from each, for scoring real images against real
// ones (the floor of a reference table). ds must hold at least 2n images.
func DisjointSamples(ds data.Dataset, n int, seed uint64) (ref, reals Images, err error) {
	if half := ds.Len() / 2; half < n {
		return ref, reals, fmt.Errorf("eval: %s has %d images; two disjoint samples of %d need %d", ds.Name(), ds.Len(), n, 2*n)
	}
	a, b := Split(ds, 0.5, seed)
	if ref, err = SampleDataset(a, n, seed); err != nil {
		return ref, reals, err
	}
	reals, err = SampleDataset(b, n, seed)
	return ref, reals, err
}

// coverageNet returns net as the Scorer should use it: with its classes
// when they are the reference set's (named alike, in the same order), else
// features only, so that no class lines or class-based verdict describe
// data the classifier was not trained to tell apart. why says what was
// left out, "" when nothing was.
func coverageNet(net Extractor, refClasses []string) (Extractor, string) {
	names := net.ClassNames()
	if names == nil || slices.Equal(names, refClasses) {
		return net, ""
	}
	ref := "unlabelled"
	if refClasses != nil {
		ref = shortList(refClasses)
	}
	return featuresOnly{net}, fmt.Sprintf("no class coverage: the feature network %s sorts images into %s, not the reference set's classes (%s); FID, KID, precision and recall use its features alone",
		net.Name(), shortList(names), ref)
}

// shortList names up to 6 classes.
func shortList(s []string) string {
	if len(s) > 6 {
		return strings.Join(s[:5], " ") + fmt.Sprintf(" ... (%d classes)", len(s))
	}
	return strings.Join(s, " ")
}

// featuresOnly hides a classifier's classes: features without probabilities.
type featuresOnly struct{ Extractor }

func (featuresOnly) ClassNames() []string { return nil }

func (f featuresOnly) Extract(images []float32, n int) (*Features, error) {
	feat, err := f.Extractor.Extract(images, n)
	if err == nil {
		feat.Classes, feat.Probs = 0, nil
	}
	return feat, err
}
