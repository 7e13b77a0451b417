package eval

import (
	"fmt"
	"math"
	"strings"
)

// Coverage describes how a classifier spreads a set of images over its
// classes.
type Coverage struct {
	Classes []string `json:"classes"`
	// Share is the fraction of images predicted (argmax) as each class.
	Share []float64 `json:"share"`
	// Confidence is the mean top probability of the images predicted as
	// each class (0 for a class no image went to).
	Confidence []float64 `json:"confidence"`
	// Perplexity is exp(entropy of Share): K for an even spread over K
	// classes, 1 when every image is one class.
	Perplexity float64 `json:"perplexity"`
	// MeanConfidence is the mean top probability over all images.
	MeanConfidence float64 `json:"mean_confidence"`
	// RefShare and RefPerplexity are the same figures for the reference
	// set, when known (the reference is rarely exactly balanced).
	RefShare      []float64 `json:"reference_share,omitempty"`
	RefPerplexity float64   `json:"reference_perplexity,omitempty"`
}

// ClassCoverage summarises class probabilities probs (n, k), rows summing
// to 1, of n images; classes names the k classes.
func ClassCoverage(probs []float32, n, k int, classes []string) Coverage {
	checkMatrix("ClassCoverage", probs, n, k)
	if len(classes) != k || n < 1 {
		panic(fmt.Sprintf("eval: ClassCoverage: %d class names for %d classes, %d images", len(classes), k, n))
	}
	c := Coverage{Classes: classes, Share: make([]float64, k), Confidence: make([]float64, k)}
	for i := range n {
		row := probs[i*k : (i+1)*k]
		best := 0
		for j, p := range row {
			if p > row[best] {
				best = j
			}
		}
		c.Share[best]++
		c.Confidence[best] += float64(row[best])
		c.MeanConfidence += float64(row[best])
	}
	for j := range k {
		if c.Share[j] > 0 {
			c.Confidence[j] /= c.Share[j]
		}
		c.Share[j] /= float64(n)
	}
	c.MeanConfidence /= float64(n)
	c.Perplexity = perplexity(c.Share)
	return c
}

// perplexity is exp of the entropy (in nats) of the distribution p.
func perplexity(p []float64) float64 {
	h := 0.0
	for _, v := range p {
		if v > 0 {
			h -= v * math.Log(v)
		}
	}
	return math.Exp(h)
}

// WithReference returns c with the reference set's shares attached, which
// Judge compares against.
func (c Coverage) WithReference(ref Coverage) Coverage {
	c.RefShare = ref.Share
	c.RefPerplexity = ref.Perplexity
	return c
}

// Verdict is the mode-collapse judgement of a Report.
type Verdict struct {
	// Collapse: the samples look real but cover few of the real modes.
	Collapse bool `json:"mode_collapse"`
	// Unrealistic: few samples look real at all (precision below 0.1), as
	// early in training; class shares and recall then say little about
	// modes, so Collapse is not claimed.
	Unrealistic bool     `json:"unrealistic"`
	Summary     string   `json:"summary"`
	Reasons     []string `json:"reasons,omitempty"`
}

// The thresholds of Judge. Real data against itself stays far from all of
// them (MNIST test: perplexity 9.97 of 10, every class 9-11%, recall
// about 0.8), while a generator that lost modes crosses at least one.
const (
	// collapsePerplexity: a perplexity below this share of the reference's
	// (or of the class count) means samples pile onto few classes.
	collapsePerplexity = 0.6
	// missingShare: a class with less than this share of its reference
	// share (or of 1/K) counts as missing.
	missingShare = 0.2
	// lowRecall: below it the samples cover little of the real variety.
	lowRecall = 0.1
	// lowPrecision: below it few samples look real, so class predictions
	// on them mean little (uniform noise scores 0.04 with the shipped
	// network, real images 0.87).
	lowPrecision = 0.1
)

// Judge decides whether a sample shows mode collapse, from its class
// coverage (nil when the feature network has no classifier) and its
// precision and recall (NaN when unknown), and says why. Reasons lists
// every threshold crossed, also for an Unrealistic sample.
func Judge(cov *Coverage, precision, recall float64) Verdict {
	var v Verdict
	if cov != nil {
		k := len(cov.Share)
		refPerp := float64(k)
		if cov.RefPerplexity > 0 {
			refPerp = cov.RefPerplexity
		}
		if cov.Perplexity < collapsePerplexity*refPerp {
			v.Collapse = true
			v.Reasons = append(v.Reasons, fmt.Sprintf("class perplexity %.2f of %d classes (reference %.2f): samples pile onto few classes",
				cov.Perplexity, k, refPerp))
		}
		var missing []string
		for j, s := range cov.Share {
			want := 1 / float64(k)
			if cov.RefShare != nil {
				want = cov.RefShare[j]
			}
			if s < missingShare*want {
				missing = append(missing, fmt.Sprintf("%s (%.1f%% vs %.1f%%)", cov.Classes[j], 100*s, 100*want))
			}
		}
		if len(missing) > 0 {
			v.Collapse = true
			v.Reasons = append(v.Reasons, fmt.Sprintf("%d of %d classes nearly absent: %s", len(missing), k, strings.Join(missing, ", ")))
		}
	}
	if recall < lowRecall { // false for NaN
		v.Collapse = true
		v.Reasons = append(v.Reasons, fmt.Sprintf("recall %.3f: samples cover little of the real data's variety", recall))
	}
	if precision < lowPrecision {
		v.Collapse, v.Unrealistic = false, true
		v.Summary = fmt.Sprintf("samples unlike the real data (precision %.3f): too far from it to judge mode collapse", precision)
		return v
	}
	if v.Collapse {
		v.Summary = "mode collapse: " + v.Reasons[0]
	} else {
		v.Summary = "no mode collapse detected"
	}
	return v
}
