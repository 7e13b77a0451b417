package main

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// row is one line of the table: a gogan number, the peer it is held
// against, and which way is better.
type row struct {
	metric, unit string
	gogan, peer  float64
	haveG, haveP bool
	vs           string // who the peer is: gonum, torch
	lowerBetter  bool
}

// The Go benchmark names the report knows how to pair.
var (
	reSgemm    = regexp.MustCompile(`^BenchmarkSgemm/(.+)/(\d+)$`)
	reGonum    = regexp.MustCompile(`^BenchmarkGonumSgemm/(\d+)$`)
	reStep     = regexp.MustCompile(`^BenchmarkDCGANStep/batch=(\d+)$`)
	reStepRGB  = regexp.MustCompile(`^BenchmarkDCGANStep/64x64x3/batch=(\d+)$`)
	reResNet   = regexp.MustCompile(`^BenchmarkResNetStep/size=(\d+)/ch=(\d+)/width=(\d+)/batch=(\d+)$`)
	reGenerate = regexp.MustCompile(`^(?:BenchmarkORTRun|BenchmarkDCGAN(?:Generate|Infer)\w*)/batch=(\d+)$`)
	reGenDef   = regexp.MustCompile(`^BenchmarkORTRunDefault/batch=(\d+)$`)
	reEndToEnd = regexp.MustCompile(`^BenchmarkGanGenEndToEnd/batch=(\d+)$`)
	reLoop     = regexp.MustCompile(`^BenchmarkTrainLoop/(\w+)/loop$`)
	reCmdTrain = regexp.MustCompile(`^BenchmarkCmdGanTrain/recipe=(\w+)$`)
	reCmdGen   = regexp.MustCompile(`^BenchmarkCmdGanGen/format=(\w+)/batch=(\d+)/n=(\d+)$`)
)

// Configurations always listed, so a benchmark that did not run shows as "-"
// rather than vanishing from the table.
var (
	defaultSgemmSizes = []int{1024}
	defaultStepBatch  = []int{64, 256}
	defaultRGBBatch   = []int{64}
	defaultGenBatch   = []int{1024}
)

// otherCPUWarn is how many cores other processes may keep busy during a
// peer run before the report calls the numbers untrustworthy.
const otherCPUWarn = 0.25

// loadWarn is the 1-minute load average before the run above which the
// machine was already busy: the Go side has no finer measure of contention.
const loadWarn = 1.0

// rows pairs the results into table rows. Benchmarks it cannot pair are
// listed after the pairs with no peer.
func (res *results) rows() []row {
	used := map[string]bool{}
	var out []row

	// sgemm: each gogan kernel path against gonum and against torch's BLAS.
	paths := map[int][]string{}
	sizes := append([]int(nil), defaultSgemmSizes...)
	for _, name := range res.order {
		if m := reSgemm.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[2])
			paths[n] = append(paths[n], m[1])
			sizes = append(sizes, n)
		} else if m := reGonum.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[1])
			sizes = append(sizes, n)
		}
	}
	for _, p := range res.peer {
		if p.mode == "sgemm" {
			if n, err := strconv.Atoi(strings.TrimPrefix(p.key, "size=")); err == nil {
				sizes = append(sizes, n)
			}
		}
	}
	for _, n := range uniqSorted(sizes) {
		gonumName := fmt.Sprintf("BenchmarkGonumSgemm/%d", n)
		gonum, haveGonum := res.bench[gonumName].median("GFLOP/s")
		used[gonumName] = true
		// gonum built with -tags noasm: its pure Go, what it runs where it
		// has no assembly (arm64 among them), as gogan's generic path is.
		noasmName := fmt.Sprintf("BenchmarkGonumSgemmNoasm/%d", n)
		noasm, haveNoasm := res.bench[noasmName].median("GFLOP/s")
		used[noasmName] = true
		torch, malloc, haveTorch := res.bestPeer(fmt.Sprintf("sgemm size=%d", n), "gflops", false)
		ps := paths[n]
		if len(ps) == 0 {
			ps = []string{"-"}
		}
		for _, path := range ps {
			name := fmt.Sprintf("BenchmarkSgemm/%s/%d", path, n)
			used[name] = true
			g, haveG := res.bench[name].median("GFLOP/s")
			metric := fmt.Sprintf("sgemm %s n=%d", path, n)
			out = append(out,
				row{metric: metric, unit: "GFLOP/s", gogan: g, haveG: haveG, peer: gonum, haveP: haveGonum, vs: "gonum"})
			if path == "generic" && haveNoasm {
				out = append(out, row{metric: metric, unit: "GFLOP/s", gogan: g, haveG: haveG, peer: noasm, haveP: true, vs: "gonum noasm"})
			}
			out = append(out,
				row{metric: metric, unit: "GFLOP/s", gogan: g, haveG: haveG, peer: torch, haveP: haveTorch, vs: torchVs(malloc)})
		}
	}

	// DCGAN training step and generator inference against the torch peer.
	out = append(out, res.modelRows("dcgan train step", reStep, "BenchmarkDCGANStep", "train", defaultImage, defaultStepBatch, used)...)
	out = append(out, res.modelRows("dcgan train step 64x64x3", reStepRGB, "BenchmarkDCGANStep/64x64x3", "train", "64x64x3", defaultRGBBatch, used)...)
	out = append(out, res.modelRows("dcgan G inference", reGenerate, "", "infer", defaultImage, defaultGenBatch, used)...)
	// gan-gen's built-in generator (the default recipe's DCGAN) on the same
	// peer: the classic rows above stay comparable over time.
	out = append(out, res.modelRows("default G inference", reGenDef, "BenchmarkORTRunDefault", "infer", defaultImage, defaultGenBatch, used)...)
	out = append(out, res.resnetRows(used)...)
	// gan-gen end to end (PNG files written) against onnxruntime's bare Run.
	for _, name := range res.order {
		m := reEndToEnd.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		used[name] = true
		g, haveG := res.bench[name].median("images/s")
		bare, haveB := res.bench["BenchmarkORTRun/batch="+m[1]].median("images/s")
		out = append(out, row{metric: "gan-gen end to end batch=" + m[1], unit: "images/s", gogan: g, haveG: haveG, peer: bare, haveP: haveB, vs: "ort Run"})
	}

	out = append(out, res.commandRows(used)...)

	// Everything else gogan measured, unpaired.
	for _, name := range res.order {
		if used[name] {
			continue
		}
		b := res.bench[name]
		units := customUnits(b)
		if len(units) == 0 {
			units = []string{"ns/op"}
		}
		for _, u := range units {
			v, ok := b.median(u)
			out = append(out, row{metric: strings.TrimPrefix(name, "Benchmark"), unit: u, gogan: v, haveG: ok,
				lowerBetter: u == "ns/op" || strings.HasSuffix(u, "-MB")})
		}
	}
	return out
}

// modelRows pairs gogan benchmarks named like re (batch in group 1) with peer
// runs of mode on image, as images/s and peak memory; of a peer run under
// both mallocs the faster counts for images/s, the smaller for peak-MB.
// fallback names the gogan benchmark for a batch it did not run; empty
// leaves the gogan side "-".
func (res *results) modelRows(label string, re *regexp.Regexp, fallback, mode, image string, batches []int, used map[string]bool) []row {
	names := map[int]string{}
	all := append([]int(nil), batches...)
	for _, name := range res.order {
		if m := re.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[1])
			if _, dup := names[n]; !dup {
				names[n] = name
			}
			all = append(all, n)
		}
	}
	for _, p := range res.peer {
		if p.mode == mode && p.image == image {
			if n, err := strconv.Atoi(strings.TrimPrefix(p.key, "batch=")); err == nil {
				all = append(all, n)
			}
		}
	}
	var out []row
	for _, n := range uniqSorted(all) {
		name, ok := names[n]
		if !ok && fallback != "" {
			name = fmt.Sprintf("%s/batch=%d", fallback, n)
		}
		used[name] = true
		b := res.bench[name]
		cfg := peerConfig(mode, fmt.Sprintf("batch=%d", n), image)
		metric := fmt.Sprintf("%s batch=%d", label, n)
		g, haveG := b.median("images/s")
		v, malloc, haveP := res.bestPeer(cfg, "images_per_s", false)
		out = append(out, row{metric: metric, unit: "images/s", gogan: g, haveG: haveG, peer: v, haveP: haveP, vs: torchVs(malloc)})
		if g, haveG := b.median("GFLOP/s"); mode == "train" || haveG {
			// The peer reports no FLOP rate; gogan's sits beside the
			// resnet's (resnetRows) to compare the two models' kernels.
			out = append(out, row{metric: metric, unit: "GFLOP/s", gogan: g, haveG: haveG})
		}
		g, haveG = b.median("peak-MB")
		v, malloc, haveP = res.bestPeer(cfg, "peak_rss_mb", true)
		out = append(out, row{metric: metric, unit: "peak-MB", gogan: g, haveG: haveG, peer: v, haveP: haveP, vs: torchVs(malloc), lowerBetter: true})
	}
	return out
}

// commandRows pairs what users run (scripts/bench_cmd.sh) with its limit:
// gan-train's training loop (BenchmarkTrainLoop) against its bare step,
// the gan-train command against the peer's training command, and each
// gan-gen output against onnxruntime's bare Run of the same generator
// (BenchmarkORTRunDefault, timed between the commands).
func (res *results) commandRows(used map[string]bool) []row {
	var out []row
	for _, name := range res.order {
		m := reLoop.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		step := "BenchmarkTrainLoop/" + m[1] + "/step"
		used[name], used[step] = true, true
		g, haveG := res.bench[name].median("images/s")
		p, haveP := res.bench[step].median("images/s")
		out = append(out, row{metric: "gan-train loop " + m[1] + " batch=64", unit: "images/s", gogan: g, haveG: haveG, peer: p, haveP: haveP, vs: "its bare step"})
	}
	for _, name := range res.order {
		m := reCmdTrain.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		used[name] = true
		b := res.bench[name]
		cfg := "quality recipe=" + m[1]
		metric := "gan-train command " + m[1] + " batch=64"
		g, haveG := b.median("images/s")
		v, malloc, haveP := res.bestPeer(cfg, "steady_images_per_s", false)
		out = append(out, row{metric: metric, unit: "images/s", gogan: g, haveG: haveG, peer: v, haveP: haveP, vs: torchVs(malloc)})
		g, haveG = b.median("peak-MB")
		v, malloc, haveP = res.bestPeer(cfg, "peak_rss_mb", true)
		out = append(out, row{metric: metric, unit: "peak-MB", gogan: g, haveG: haveG, peer: v, haveP: haveP, vs: torchVs(malloc), lowerBetter: true})
	}
	bare, haveBare := res.bench["BenchmarkORTRunDefault/batch=1024"].median("images/s")
	// tar runs at batch 1024: images -> median seconds, for the split below.
	tarSecs := map[int]float64{}
	for _, name := range res.order {
		m := reCmdGen.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		used[name] = true
		b := res.bench[name]
		metric := fmt.Sprintf("gan-gen %s batch=%s n=%s", m[1], m[2], m[3])
		g, haveG := b.median("images/s")
		r := row{metric: metric, unit: "images/s", gogan: g, haveG: haveG}
		if m[2] == "1024" {
			r.peer, r.haveP, r.vs = bare, haveBare, "ort Run"
			if ns, ok := b.median("ns/op"); ok && m[1] == "tar" {
				n, _ := strconv.Atoi(m[3])
				tarSecs[n] = ns / 1e9
			}
		}
		out = append(out, r)
		g, haveG = b.median("peak-MB")
		out = append(out, row{metric: metric, unit: "peak-MB", gogan: g, haveG: haveG, lowerBetter: true})
	}
	// Two tar runs of different lengths part the command's time t = a +
	// n/rate into its fixed cost a (start-up, model load, the first run's
	// warm-up) and its rate per image, which faces the bare Run alone.
	if ns := sortedInts(tarSecs); len(ns) >= 2 {
		n1, n2 := ns[0], ns[len(ns)-1]
		// A long run slower per image than the short one (a machine whose
		// speed drifted under sustained load) leaves no fixed cost to part.
		if dt := tarSecs[n2] - tarSecs[n1]; dt > 0 && tarSecs[n1]-float64(n1)*dt/float64(n2-n1) >= 0 {
			rate := float64(n2-n1) / dt
			out = append(out,
				row{metric: "gan-gen tar batch=1024 per image", unit: "images/s", gogan: rate, haveG: true, peer: bare, haveP: haveBare, vs: "ort Run"},
				row{metric: "gan-gen tar batch=1024 fixed cost", unit: "s", gogan: tarSecs[n1] - float64(n1)/rate, haveG: true, lowerBetter: true})
		}
	}
	return out
}

func sortedInts[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// resnetRows lists the residual model's training step (--model resnet,
// BenchmarkResNetStep) as images/s and GFLOP/s with no peer: the PyTorch
// script runs only the DCGAN. Its configs run in one process, so their
// peak memory is not their own and is left out.
func (res *results) resnetRows(used map[string]bool) []row {
	var out []row
	for _, name := range res.order {
		m := reResNet.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		used[name] = true
		metric := fmt.Sprintf("resnet train step %sx%sx%s width=%s batch=%s", m[1], m[1], m[2], m[3], m[4])
		for _, u := range []string{"images/s", "GFLOP/s"} {
			v, ok := res.bench[name].median(u)
			out = append(out, row{metric: metric, unit: u, gogan: v, haveG: ok})
		}
	}
	return out
}

// torchVs names the peer in the vs column: torch, with the malloc of the
// variant that won when the line said.
func torchVs(malloc string) string {
	if malloc == "" {
		return "torch"
	}
	return "torch/" + malloc
}

// customUnits lists a benchmark's metrics other than the ones go test adds
// itself, sorted for a stable table.
func customUnits(b *benchmark) []string {
	var us []string
	for u := range b.metrics {
		switch u {
		case "ns/op", "B/op", "allocs/op", "MB/s":
			continue
		}
		us = append(us, u)
	}
	sort.Strings(us)
	return us
}

func uniqSorted(v []int) []int {
	sort.Ints(v)
	out := v[:0]
	for i, x := range v {
		if i == 0 || x != v[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// fmtNum keeps about four significant digits without exponent notation.
func fmtNum(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// write prints the header, warnings and table. cpuModel, cpus and simd come
// from /proc/cpuinfo.
func (res *results) write(w io.Writer, cpuModel string, cpus int, simd []string) error {
	cpu := cpuModel
	if cpu == "" {
		cpu = "unknown"
	}
	if res.goCPU != "" && res.goCPU != cpuModel {
		cpu += " (go test: " + res.goCPU + ")"
	}
	if res.markdown {
		fmt.Fprintln(w, "```text") // the header lines as they are
	}
	fmt.Fprintf(w, "cpu:      %s, %d logical CPUs, %s\n", cpu, cpus, strings.Join(simd, " "))
	if res.date != "" {
		fmt.Fprintf(w, "date:     %s\n", res.date)
	}

	goThreads, peerThreads := "-", "-"
	if res.goProcs > 0 {
		goThreads = strconv.Itoa(res.goProcs)
	}
	blas, torch, coretype := "", "", ""
	var warnings []string
	if res.load > loadWarn {
		warnings = append(warnings, fmt.Sprintf("the machine was busy before the run (1-minute load %.2f): both sides may read low", res.load))
	}
	for _, id := range sortedKeys(res.peer) {
		p := res.peer[id]
		if t := p.fields["threads"]; t != "" {
			if peerThreads != "-" && peerThreads != t {
				warnings = append(warnings, fmt.Sprintf("peer runs used different thread counts (%s and %s)", peerThreads, t))
			}
			peerThreads = t
		}
		if b := p.fields["blas"]; b != "" {
			blas = b
		}
		if t := p.fields["torch"]; t != "" {
			torch = t
		}
		if c := p.fields["openblas_coretype"]; c != "" {
			coretype = " (OPENBLAS_CORETYPE=" + c + ")"
		}
		if o, ok := p.median("other_cpu"); ok && o > otherCPUWarn {
			warnings = append(warnings, fmt.Sprintf("peer %s: other processes kept %.2f cores busy while it ran; rerun on a quiet machine", id, o))
		}
		if p.fields["blas"] == "reference" {
			warnings = append(warnings, fmt.Sprintf("peer %s: torch used the reference BLAS, an unfair peer (about 6x slow); fix: apt-get install libopenblas0-openmp", id))
		}
	}
	fmt.Fprintf(w, "threads:  gogan GOMAXPROCS=%s, peer torch threads=%s\n", goThreads, peerThreads)
	if goThreads != "-" && peerThreads != "-" && goThreads != peerThreads {
		warnings = append(warnings, fmt.Sprintf("gogan ran on %s threads and the peer on %s: ratios compare unequal machines", goThreads, peerThreads))
	}
	if torch != "" {
		fmt.Fprintf(w, "peer:     torch %s, BLAS %s%s\n", torch, blas, coretype)
	}
	for _, s := range warnings {
		fmt.Fprintf(w, "WARNING:  %s\n", s)
	}
	if res.markdown {
		fmt.Fprintln(w, "```")
	}
	fmt.Fprintln(w)

	if res.markdown {
		return res.writeMarkdown(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tunit\tgogan\tpeer\tratio\tvs\tbetter")
	for _, r := range res.rows() {
		fmt.Fprintln(tw, strings.Join(r.cells(), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nratio = gogan / peer: above 1x gogan is ahead where higher is better, behind where lower is.")
	if err == nil {
		err = res.writeMallocs(w)
	}
	// The peer's peak includes what importing torch costs before any work,
	// which a reader weighing peak-MB ratios should know.
	if base, ok := res.peerBaseRSS(); ok && err == nil {
		_, err = fmt.Fprintf(w, "peer peak-MB includes about %s MB that torch holds before the first step.\n", fmtNum(base))
	}
	return err
}

// cells are a row's columns as printed: metric, unit, gogan, peer, ratio,
// vs, better.
func (r row) cells() []string {
	g, p, ratio := "-", "-", "-"
	if r.haveG {
		g = fmtNum(r.gogan)
	}
	if r.haveP {
		p = fmtNum(r.peer)
	}
	if r.haveG && r.haveP && r.peer != 0 {
		ratio = fmtRatio(r.gogan/r.peer) + "x"
	}
	vs, better := r.vs, "higher"
	if vs == "" {
		vs = "-"
	}
	if r.lowerBetter {
		better = "lower"
	}
	return []string{r.metric, r.unit, g, p, ratio, vs, better}
}

// writeMarkdown prints the table as README's Markdown, the rows without a
// value on either side left out.
func (res *results) writeMarkdown(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "| metric | unit | gogan | peer | ratio | vs | better |\n|---|---|---:|---:|---:|---|---|"); err != nil {
		return err
	}
	for _, r := range res.rows() {
		if !r.haveG && !r.haveP {
			continue
		}
		if _, err := fmt.Fprintf(w, "| %s |\n", strings.Join(r.cells(), " | ")); err != nil {
			return err
		}
	}
	return nil
}

// writeMallocs lists the peer configurations that ran under more than one
// malloc, each variant's speed side by side: the table above takes the
// faster.
func (res *results) writeMallocs(w io.Writer) error {
	byCfg := map[string][]*peerRun{}
	for _, id := range sortedKeys(res.peer) {
		p := res.peer[id]
		byCfg[p.cfg] = append(byCfg[p.cfg], p)
	}
	header := false
	for _, cfg := range sortedKeys(byCfg) {
		runs := byCfg[cfg]
		if len(runs) < 2 {
			continue
		}
		if !header {
			if _, err := fmt.Fprintln(w, "peer under each malloc (the faster is the peer above; tuned: scripts/peer_dcgan.py TUNED_MALLOC):"); err != nil {
				return err
			}
			header = true
		}
		var parts []string
		for _, p := range runs {
			field, unit := "images_per_s", "images/s"
			if p.mode == "sgemm" {
				field, unit = "gflops", "GFLOP/s"
			}
			if _, ok := p.values["steady_images_per_s"]; ok {
				field = "steady_images_per_s" // the rate the table holds gan-train's against
			}
			v, ok := p.median(field)
			s := "-"
			if ok {
				s = fmtNum(v)
			}
			name := p.malloc
			if name == "" {
				name = "unnamed"
			}
			part := fmt.Sprintf("%s %s %s", name, s, unit)
			if mb, ok := p.median("peak_rss_mb"); ok {
				part += fmt.Sprintf(" (peak %s MB)", fmtNum(mb))
			}
			parts = append(parts, part)
		}
		if _, err := fmt.Fprintf(w, "  %s: %s\n", cfg, strings.Join(parts, ", ")); err != nil {
			return err
		}
	}
	return nil
}

// fmtRatio keeps small ratios readable: 0.0123, not 0.01.
func fmtRatio(v float64) string {
	if math.Abs(v) < 0.1 {
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
	return fmtNum(v)
}

// peerBaseRSS is the median RSS of the peer runs after setup, before timing.
func (res *results) peerBaseRSS() (float64, bool) {
	var v []float64
	for _, p := range res.peer {
		v = append(v, p.values["base_rss_mb"]...)
	}
	return median(v)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
