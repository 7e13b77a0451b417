package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

var digits = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// A conditional generator of MNIST's classes gets per-label lines, in
// the table and in --json: counts that sum to --n, accuracies in [0, 1]
// whose minimum and mean are the summary's, and precision and recall
// where a label has enough samples and reference images, a note where
// not.
func TestScoreConditional(t *testing.T) {
	needMNIST(t)
	needRuntime(t)
	run := writeGeneratorClasses(t, digits)
	const n = 400
	args := append([]string{"--model", run, "--n", "400"}, fastMetrics...)
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"labels cycling through the classes", "\nlabel  samples  accuracy  reference  precision  recall\n0           40  ",
		"label accuracy (samples the network reads as the label asked for): min ", "precision and recall per label against the reference images of its class (k = 3)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	code, js, errs := runCLI(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errs)
	}
	var r struct {
		Conditional *struct {
			PerLabel []struct {
				Label             int      `json:"label"`
				Class             string   `json:"class"`
				Samples           int      `json:"samples"`
				Accuracy          *float64 `json:"accuracy"`
				Reference         int      `json:"reference"`
				Precision, Recall *float64
				Note              string `json:"note"`
			} `json:"per_label"`
			MinAccuracy     *float64 `json:"min_accuracy"`
			MinLabel        int      `json:"min_label"`
			MeanAccuracy    *float64 `json:"mean_accuracy"`
			ReferenceLabels bool     `json:"reference_labels"`
			MinKNN          int      `json:"min_knn"`
		} `json:"conditional"`
	}
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, js)
	}
	c := r.Conditional
	if c == nil || len(c.PerLabel) != 10 || c.MinAccuracy == nil || c.MeanAccuracy == nil || !c.ReferenceLabels || c.MinKNN != 30 {
		t.Fatalf("conditional JSON incomplete:\n%s", js)
	}
	total, refs, minAcc, sum, withPR := 0, 0, 2.0, 0.0, 0
	for l, p := range c.PerLabel {
		if p.Label != l || p.Class != digits[l] || p.Samples != n/10 || p.Accuracy == nil || *p.Accuracy < 0 || *p.Accuracy > 1 {
			t.Errorf("label %d: %+v", l, p)
			continue
		}
		total, refs, sum = total+p.Samples, refs+p.Reference, sum+*p.Accuracy
		minAcc = min(minAcc, *p.Accuracy)
		switch enough := p.Samples >= c.MinKNN && p.Reference >= c.MinKNN; {
		case enough && (p.Precision == nil || p.Recall == nil || *p.Precision < 0 || *p.Precision > 1 || *p.Recall < 0 || *p.Recall > 1):
			t.Errorf("label %d has %d samples and %d reference images but precision %v, recall %v", l, p.Samples, p.Reference, p.Precision, p.Recall)
		case !enough && (p.Precision != nil || !strings.Contains(p.Note, "too few for k-NN")):
			t.Errorf("label %d has %d samples and %d reference images, yet precision %v, note %q", l, p.Samples, p.Reference, p.Precision, p.Note)
		case enough:
			withPR++
		}
	}
	if total != n || refs != n || *c.MinAccuracy != minAcc || *c.MinAccuracy != *c.PerLabel[c.MinLabel].Accuracy || math.Abs(*c.MeanAccuracy-sum/10) > 1e-12 {
		t.Errorf("counts %d samples, %d reference (want %d each); min %v (label %d), mean %v; from the labels %v, %v",
			total, refs, n, *c.MinAccuracy, c.MinLabel, *c.MeanAccuracy, minAcc, sum/10)
	}
	if withPR == 0 {
		t.Errorf("no label had precision and recall:\n%s", js)
	}
}

// A conditional generator whose classes are not the feature network's
// gets no per-label lines, and a notice says why.
func TestScoreConditionalOtherClasses(t *testing.T) {
	needMNIST(t)
	needRuntime(t)
	run := writeGeneratorClasses(t, []string{"cat", "dog", "bird"})
	code, js, errs := runCLI(t, append([]string{"--model", run, "--n", "100", "--json"}, fastMetrics...)...)
	if code != 0 || strings.Contains(js, `"conditional"`) || !strings.Contains(errs, "no per-label scores: the generator's classes (cat dog bird) are not the feature network's (0 1 2 3 4 ... (10 classes))") {
		t.Errorf("exit %d\n%s%s", code, js, errs)
	}
}
