package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/eval"
)

// noiseLevels are the standard deviations of the Gaussian noise added to
// real images for the rows between the floor and the ceiling.
var noiseLevels = []float64{0.1, 0.3, 1}

func referenceCommand() *cli.Command {
	return &cli.Command{
		Name:  "reference",
		Usage: "print the scores of real images (the floor), noisy real images and uniform noise (the ceiling), to read a score against",
		Description: "The floor scores real images disjoint from the reference set (the MNIST training set against the test set,\n" +
			"or one half of --reference-dir against the other): what a perfect generator would get at this --n.\n" +
			"The ceiling scores uniform noise images.",
		UsageText: "gan-eval reference [-n 10000] [--reference-dir DIR] [--features FILE] [--json]",
		Flags:     []cli.Flag{nFlag, seedFlag, referenceFlag, featuresFlag, rangeFlag, kFlag, kidSubsets, kidSize, jsonFlag, threadsFlag, backgroundFlag},
		Action:    referenceAction,
	}
}

// row is one line of the reference table.
type row struct {
	Name string `json:"name"`
	eval.Report
}

type referenceTable struct {
	ReferenceSet string   `json:"reference_set"`
	Real         string   `json:"real_set"`
	FeatureNet   string   `json:"feature_net"`
	Rows         []row    `json:"rows"`
	classes      []string // the reference set's, nil when unlabelled
}

func referenceAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usage("unexpected argument %q; see gan-eval reference --help", c.Args().First())
	}
	if err := setThreads(c); err != nil {
		return err
	}
	opt, err := scorerOptions(c)
	if err != nil {
		return err
	}
	n := c.Int("n")
	if n <= opt.K {
		return usage("--n %d: use more than --k %d images", n, opt.K)
	}
	net, release, err := openFeatures(c)
	if err != nil {
		return err
	}
	defer release()
	sess, reals, t, err := disjointSets(c, net, opt, n)
	if err != nil {
		return err
	}
	if sess.Note != "" {
		notice(c, sess.Note)
	}
	seed := c.Uint64("seed")
	type set struct {
		name string
		im   eval.Images
	}
	sets := []set{{"real, disjoint (floor)", reals}}
	for _, s := range noiseLevels {
		sets = append(sets, set{fmt.Sprintf("real + noise σ=%g", s), eval.Noisy(reals, s, seed)})
	}
	sets = append(sets, set{"uniform noise (ceiling)", eval.UniformNoise(reals.N, reals.C, reals.H, reals.W, seed)})
	for i, s := range sets {
		rep, err := sess.Score(s.im)
		if err != nil {
			return err
		}
		if i == 0 {
			for _, msg := range rep.Notices {
				notice(c, msg)
			}
		}
		rep.Notices = nil
		t.Rows = append(t.Rows, row{s.name, rep})
	}
	t.FeatureNet = net.Name()
	if c.Bool("json") {
		return writeJSON(c.App.Writer, t)
	}
	writeReferenceTable(c.App.Writer, t, net)
	return nil
}

// disjointSets starts the scoring session on n reference images and
// returns n other real images: the MNIST test and training sets, or two
// halves of --reference-dir.
func disjointSets(c *cli.Context, net eval.Extractor, opt eval.ScorerOptions, n int) (sess *eval.Session, reals eval.Images, t referenceTable, err error) {
	seed := c.Uint64("seed")
	ds, name, err := referenceSet(c, net)
	if err != nil {
		return
	}
	t.classes = ds.ClassNames()
	if c.String("reference-dir") == "" {
		if err = checkReferenceSize(ds, name, n); err != nil {
			return
		}
		if sess, err = eval.NewSession(net, ds, sessionOptions(c, opt, n, name)); err != nil {
			return
		}
		var train *data.Images
		if train, err = data.LoadMNIST(data.DefaultMNISTDir(), "train"); err != nil {
			err = fmt.Errorf("real set: %v", err)
			return
		}
		reals, err = eval.SampleDataset(train, n, seed)
		t.ReferenceSet, t.Real = sess.Reference, fmt.Sprintf("mnist train (%d of %d images)", n, train.Len())
		return
	}
	if half := ds.Len() / 2; half < n {
		if half <= c.Int("k") {
			err = usage("--reference-dir %s: %d images are too few to split into two sets of more than --k %d", name, ds.Len(), c.Int("k"))
			return
		}
		notice(c, fmt.Sprintf("--reference-dir %s holds %d images: comparing two disjoint halves of %d (fewer than --n %d)", name, ds.Len(), half, n))
		n = half
	}
	var ref eval.Images
	if ref, reals, err = eval.DisjointSamples(ds, n, seed); err != nil {
		return
	}
	t.ReferenceSet = fmt.Sprintf("%s (%d images, one half)", name, n)
	t.Real = fmt.Sprintf("%s (%d images, the other half)", name, n)
	sess, err = eval.NewSessionImages(net, ref, t.classes, t.ReferenceSet, sessionOptions(c, opt, n, name))
	return
}

func writeReferenceTable(w io.Writer, t referenceTable, net eval.Extractor) {
	fmt.Fprintf(w, "reference:       %s\n", t.ReferenceSet)
	fmt.Fprintf(w, "real images:     %s\n", t.Real)
	fmt.Fprintf(w, "feature network: %s\n\n", describeNet(net))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "images\tFID\tKID\tprecision\trecall\tperplexity")
	for _, r := range t.Rows {
		kid, perp := "-", "-"
		if r.KID != nil {
			kid = fmt.Sprintf("%.4g ± %.4g", r.KID.Mean, r.KID.Std)
		}
		if r.Coverage != nil {
			perp = fmt.Sprintf("%.2f", r.Coverage.Perplexity)
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%s\t%.3f\t%.3f\t%s\n", r.Name, r.FID, kid, r.Precision, r.Recall, perp)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nA generator's FID at the same --n lies between the floor and the ceiling; scores from other feature networks or sample counts are not comparable.\n")
}
