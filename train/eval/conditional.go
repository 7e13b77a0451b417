package eval

import (
	"fmt"
	"slices"
)

// Conditional scores a conditional generator's samples label by label:
// whether the classifier reads the class each sample was asked for, and
// how the samples of each label compare with the reference images of
// that class.
type Conditional struct {
	// PerLabel has one entry per label at least one sample was asked
	// for, in label order.
	PerLabel []LabelScore `json:"per_label"`
	// MinAccuracy is the lowest label accuracy, MinLabel its label and
	// MinClass its class name; MeanAccuracy is the mean over labels (each
	// label weighs alike).
	MinAccuracy  float64 `json:"min_accuracy"`
	MinLabel     int     `json:"min_label"`
	MinClass     string  `json:"min_class"`
	MeanAccuracy float64 `json:"mean_accuracy"`
	// ReferenceLabels is false when the reference images carry no labels:
	// then no label has precision or recall.
	ReferenceLabels bool `json:"reference_labels"`
	// MinKNN is how many samples and reference images a label needs for
	// its precision and recall.
	MinKNN int `json:"min_knn"`
}

// LabelScore is one label's line of a Conditional.
type LabelScore struct {
	Label int    `json:"label"`
	Class string `json:"class"`
	// Samples were asked for this label; Accuracy is the share of them
	// the feature network classifies (argmax) as this class.
	Samples  int     `json:"samples"`
	Accuracy float64 `json:"accuracy"`
	// Reference is the number of reference images of this class (0 when
	// the reference carries no labels).
	Reference int `json:"reference"`
	// Precision and Recall are those of PrecisionRecall between this
	// label's samples and the class's reference images; nil when either
	// side has fewer than MinKNN (Note then says so).
	Precision *float64 `json:"precision,omitempty"`
	Recall    *float64 `json:"recall,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// minKNN is the fewest samples, and reference images, of one label whose
// k-NN precision and recall are reported: 10k. With only a few points the
// k-th neighbour balls span most of a class, and both figures read high
// whatever the samples look like.
func minKNN(k int) int { return 10 * k }

// ConditionalScores scores samples drawn for requested labels against a
// labelled reference. f holds the samples' features and class
// probabilities (f.Probs must not be nil); labels[i] is the class sample i
// was asked for, in [0, len(classes)). ref holds the reference features
// and refLabels their classes (nil: unknown, accuracy only). Precision and
// recall per label are those of Scorer.ScoreFeatures (PrecisionRecall on
// unit rows, neighbourhood size k) restricted to one class on both sides.
func ConditionalScores(f *Features, labels []int, ref *Features, refLabels []int, classes []string, k int) Conditional {
	return conditional(f, UnitRows(f.Data, f.N, f.Dim), labels, ref, UnitRows(ref.Data, ref.N, ref.Dim), refLabels, classes, k)
}

// conditional is ConditionalScores with the rows already scaled to unit
// length (fU for f, refU for ref).
func conditional(f *Features, fU []float32, labels []int, ref *Features, refU []float32, refLabels []int, classes []string, k int) Conditional {
	nc := len(classes)
	if f.Probs == nil || f.Classes != nc || len(labels) != f.N || (refLabels != nil && len(refLabels) != ref.N) || f.Dim != ref.Dim {
		panic(fmt.Sprintf("eval: ConditionalScores: %d labels for %d samples of %d classes (probabilities for %d), %d reference labels for %d images",
			len(labels), f.N, nc, f.Classes, len(refLabels), ref.N))
	}
	samples, hits := make([]int, nc), make([]int, nc)
	for i, l := range labels {
		if l < 0 || l >= nc {
			panic(fmt.Sprintf("eval: ConditionalScores: label %d of sample %d is not one of %d classes", l, i, nc))
		}
		samples[l]++
		if argmax(f.Probs[i*nc:(i+1)*nc]) == l {
			hits[l]++
		}
	}
	c := Conditional{ReferenceLabels: refLabels != nil, MinKNN: minKNN(k), MinAccuracy: 2, MinLabel: -1}
	for l := range nc {
		if samples[l] == 0 {
			continue
		}
		s := LabelScore{Label: l, Class: classes[l], Samples: samples[l], Accuracy: float64(hits[l]) / float64(samples[l])}
		if refLabels != nil {
			fake, nf := rowsOf(fU, labels, l, f.Dim)
			reals, nr := rowsOf(refU, refLabels, l, ref.Dim)
			s.Reference = nr
			if nf < c.MinKNN || nr < c.MinKNN {
				s.Note = fmt.Sprintf("too few for k-NN precision and recall (%d samples, %d reference images; need %d each)", nf, nr, c.MinKNN)
			} else {
				p, r := PrecisionRecall(reals, nr, fake, nf, f.Dim, k)
				s.Precision, s.Recall = &p, &r
			}
		}
		if s.Accuracy < c.MinAccuracy {
			c.MinAccuracy, c.MinLabel, c.MinClass = s.Accuracy, l, classes[l]
		}
		c.MeanAccuracy += s.Accuracy
		c.PerLabel = append(c.PerLabel, s)
	}
	c.MeanAccuracy /= float64(len(c.PerLabel)) // f.N > 0, so some label has samples
	return c
}

// rowsOf copies the rows i of x (n, d) whose labels[i] is l.
func rowsOf(x []float32, labels []int, l, d int) ([]float32, int) {
	var out []float32
	for i, li := range labels {
		if li == l {
			out = append(out, x[i*d:(i+1)*d]...)
		}
	}
	return out, len(out) / d
}

func argmax(row []float32) int {
	best := 0
	for j, p := range row {
		if p > row[best] {
			best = j
		}
	}
	return best
}

// ScoreConditional scores the samples of a conditional generator: Score's
// report plus Conditional, from im.Labels, the labels the samples were
// asked for, whose names are classes. The report has no Conditional, and
// a notice says why, when the network does not classify into classes.
func (s *Scorer) ScoreConditional(im Images, classes []string) (Report, error) {
	if err := s.checkCount(im.N); err != nil {
		return Report{}, err
	}
	if len(im.Labels) != im.N {
		return Report{}, fmt.Errorf("eval: %d labels for %d conditional samples", len(im.Labels), im.N)
	}
	for i, l := range im.Labels {
		if l < 0 || l >= len(classes) {
			return Report{}, fmt.Errorf("eval: sample %d was asked for label %d, not one of the %d classes", i, l, len(classes))
		}
	}
	f, notice, err := Embed(s.net, im)
	if err != nil {
		return Report{}, err
	}
	r := s.report(f, notice)
	names := s.net.ClassNames()
	switch {
	case f.Probs == nil || names == nil:
		r.Notices = append(r.Notices, "no per-label scores: the feature network does not classify into the reference set's classes")
	case !slices.Equal(names, classes):
		r.Notices = append(r.Notices, fmt.Sprintf("no per-label scores: the generator's classes (%s) are not the feature network's (%s)",
			shortList(classes), shortList(names)))
	default:
		c := conditional(f, UnitRows(f.Data, f.N, f.Dim), im.Labels, s.ref, s.refU, s.refLabels, classes, s.opt.K)
		r.Conditional = &c
		if !c.ReferenceLabels {
			r.Notices = append(r.Notices, "the reference images carry no labels: per-label accuracy only, no per-label precision and recall")
		}
	}
	return r, nil
}
