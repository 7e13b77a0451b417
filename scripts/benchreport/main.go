// Command benchreport prints gogan's benchmarks beside the PyTorch peer's
// as ratios, for `make bench`.
//
// It reads `go test -bench` output and the lines scripts/peer_dcgan.py
// prints ("peer train batch=64 images_per_s=..."), from the files named on
// the command line or from stdin, in any mix and order; other lines are
// skipped. Repeated runs (-count) are reduced to their median.
//
// Pairs it knows: BenchmarkSgemm/<path>/<n> against BenchmarkGonumSgemm/<n>
// (and the generic path against BenchmarkGonumSgemmNoasm/<n>, gonum built
// with -tags noasm) and torch's sgemm (GFLOP/s); BenchmarkDCGANStep/batch=<b>
// against the peer's train step, BenchmarkDCGANStep/64x64x3/batch=<b>
// against its --image 64x64x3 step; BenchmarkORTRun/batch=<b> and
// BenchmarkORTRunDefault/batch=<b> against the peer's G inference
// (images/s and peak-MB); and the commands of scripts/bench_cmd.sh:
// BenchmarkTrainLoop/<recipe>/loop against its bare step,
// BenchmarkCmdGanTrain/recipe=<r> against the peer's training command
// ("peer quality recipe=<r>"), BenchmarkCmdGanGen/format=<f>/batch=<b>/n=<n>
// against the bare Run. Where the peer ran under both glibc mallocs
// (malloc=default and malloc=tuned) the faster is the peer (the smaller for
// peak-MB), and the report lists both. Anything missing prints as "-".
//
// Usage:
//
//	go run ./scripts/benchreport bench-out/go.txt bench-out/peer.txt
//	go run ./scripts/benchreport -md bench-out/env.txt bench-out/go.txt bench-out/peer.txt
//
// -md prints the header, then the table in Markdown (README's Benchmarks).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	cpuinfo := flag.String("cpuinfo", "/proc/cpuinfo", "file to read the CPU model and flags from")
	md := flag.Bool("md", false, "print the table in Markdown, as README's Benchmarks section holds it")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: benchreport [-md] [-cpuinfo file] [bench output files...]  (stdin if none)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(os.Stdout, os.Stdin, flag.Args(), *cpuinfo, *md); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, stdin io.Reader, files []string, cpuinfo string, md bool) error {
	res := newResults()
	res.markdown = md
	if len(files) == 0 {
		if err := res.read(stdin); err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = res.read(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
	}
	model, cpus := "", 0
	var simd []string
	// A missing cpuinfo (not Linux) costs the header a line, not the report.
	if f, err := os.Open(cpuinfo); err == nil {
		model, cpus, simd = cpuInfo(f)
		f.Close()
	}
	return res.write(w, model, cpus, simd)
}
