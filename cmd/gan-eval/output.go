package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gogan/gan/train/eval"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// describeNet is the feature network line: scores from different networks
// are not comparable, so every output names it.
func describeNet(net eval.Extractor) string {
	if f, ok := net.(*eval.FeatureNet); ok && f.Info.TestImages > 0 {
		return fmt.Sprintf("%s (LeNet on %s, %.2f%% test accuracy)", f.Name(), f.Info.Dataset, 100*f.Info.TestAccuracy)
	}
	return net.Name() + " (ONNX)"
}

// writeReport prints a report as a readable table.
func writeReport(w io.Writer, s scored, net eval.Extractor) {
	r := s.Report
	fmt.Fprintf(w, "samples:         %s\n", s.Source)
	fmt.Fprintf(w, "reference:       %s\n", s.ReferenceSet)
	fmt.Fprintf(w, "feature network: %s\n\n", describeNet(net))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "FID\t%.3f\t(lower is better; compare with gan-eval reference)\n", r.FID)
	if r.KID != nil {
		fmt.Fprintf(tw, "KID\t%.4g ± %.4g\t(%d subsets of %d)\n", r.KID.Mean, r.KID.Std, r.KID.Subsets, r.KID.SubsetSize)
	}
	fmt.Fprintf(tw, "precision\t%.3f\t(share of samples that look real, k = %d)\n", r.Precision, r.K)
	fmt.Fprintf(tw, "recall\t%.3f\t(share of real variety the samples cover)\n", r.Recall)
	tw.Flush()
	if c := r.Coverage; c != nil {
		fmt.Fprintln(w)
		writeCoverage(w, c)
	}
	if c := r.Conditional; c != nil {
		fmt.Fprintln(w)
		writeConditional(w, c, r.K)
	}
	fmt.Fprintf(w, "\nverdict: %s\n", r.Verdict.Summary)
	reasons := r.Verdict.Reasons
	if r.Verdict.Collapse {
		reasons = reasons[1:] // the summary gives the first
	}
	for _, reason := range reasons {
		fmt.Fprintf(w, "  - %s\n", reason)
	}
}

func writeCoverage(w io.Writer, c *eval.Coverage) {
	width := len("class")
	for _, name := range c.Classes {
		width = max(width, len(name))
	}
	fmt.Fprintf(w, "%-*s  %6s  %9s  %10s\n", width, "class", "share", "reference", "confidence")
	for j, name := range c.Classes {
		ref := "-"
		if c.RefShare != nil {
			ref = fmt.Sprintf("%.1f%%", 100*c.RefShare[j])
		}
		line := fmt.Sprintf("%-*s  %5.1f%%  %9s  %10.3f  %s", width, name, 100*c.Share[j], ref, c.Confidence[j], bar(c.Share[j]))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	fmt.Fprintf(w, "class perplexity %.2f of %d (reference %.2f), mean confidence %.3f\n",
		c.Perplexity, len(c.Classes), c.RefPerplexity, c.MeanConfidence)
}

// bar draws a share as up to 40 marks (a class at 10% gets 4).
func bar(share float64) string {
	return strings.Repeat("#", int(40*share+0.5))
}

// writeConditional prints a conditional generator's lines: per label
// asked for, how many samples, the share the network reads as that
// class, and their precision and recall against its reference images.
func writeConditional(w io.Writer, c *eval.Conditional, k int) {
	width := len("label")
	for _, s := range c.PerLabel {
		width = max(width, len(s.Class))
	}
	fmt.Fprintf(w, "%-*s  %7s  %8s  %9s  %9s  %6s\n", width, "label", "samples", "accuracy", "reference", "precision", "recall")
	skipped := false
	for _, s := range c.PerLabel {
		ref, p, r := "-", "-", "-"
		if c.ReferenceLabels {
			ref = fmt.Sprint(s.Reference)
		}
		if s.Precision != nil {
			p, r = fmt.Sprintf("%.3f", *s.Precision), fmt.Sprintf("%.3f", *s.Recall)
		} else if c.ReferenceLabels {
			skipped = true
		}
		fmt.Fprintf(w, "%-*s  %7d  %7.1f%%  %9s  %9s  %6s\n", width, s.Class, s.Samples, 100*s.Accuracy, ref, p, r)
	}
	fmt.Fprintf(w, "label accuracy (samples the network reads as the label asked for): min %.1f%% (%s), mean %.1f%%\n",
		100*c.MinAccuracy, c.MinClass, 100*c.MeanAccuracy)
	switch {
	case !c.ReferenceLabels:
		fmt.Fprintln(w, "the reference images carry no labels: no per-label precision and recall")
	case skipped:
		fmt.Fprintf(w, "precision and recall per label against the reference images of its class (k = %d); - : fewer than %d samples or reference images\n", k, c.MinKNN)
	default:
		fmt.Fprintf(w, "precision and recall per label against the reference images of its class (k = %d)\n", k)
	}
}
