package main

import (
	"bufio"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// results holds everything read from `go test -bench` output and from
// scripts/peer_dcgan.py lines. Repeated runs (-count) keep every value so
// the report can take the median.
type results struct {
	bench   map[string]*benchmark // by name without the -GOMAXPROCS suffix
	order   []string              // benchmark names in first-seen order
	peer    map[string]*peerRun   // by config and malloc, e.g. "train batch=64 malloc=tuned"
	goCPU   string                // the "cpu:" header line of go test
	date    string                // when bench.sh ran, from its "date:" line
	goProcs int                   // GOMAXPROCS from the name suffix; 0 if absent
	load    float64               // 1-minute load average before the run, from bench.sh; -1 if absent
	// markdown asks write for README's Markdown table after the header.
	markdown bool
}

type benchmark struct {
	name    string
	metrics map[string][]float64 // unit -> values, e.g. "images/s" -> [446, 450]
}

type peerRun struct {
	mode   string            // train, infer, sgemm
	key    string            // batch=64, size=1024
	image  string            // 28x28x1 (also when the line names none), 64x64x3; "" for sgemm
	cfg    string            // mode, key and image unless 28x28x1: "train batch=64 image=64x64x3"
	malloc string            // the peer's glibc malloc: default, tuned, or "" when the line names none
	fields map[string]string // every key=value on the line
	values map[string][]float64
}

// median returns the median of the values for unit and whether there were any.
func (b *benchmark) median(unit string) (float64, bool) {
	if b == nil {
		return 0, false
	}
	return median(b.metrics[unit])
}

func (p *peerRun) median(field string) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return median(p.values[field])
}

func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// procsSuffix matches the -N that go test appends to a benchmark name when
// it runs with GOMAXPROCS=N.
var procsSuffix = regexp.MustCompile(`-(\d+)$`)

func newResults() *results {
	return &results{bench: map[string]*benchmark{}, peer: map[string]*peerRun{}, load: -1}
}

// read adds every benchmark and peer line from r; other lines are ignored,
// so go test's PASS/ok chatter and shell noise may be piped in as they are.
func (res *results) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			res.addBench(line)
		case strings.HasPrefix(line, "peer "):
			res.addPeer(line)
		case strings.HasPrefix(line, "loadavg before: "):
			if f := strings.Fields(strings.TrimPrefix(line, "loadavg before: ")); len(f) > 0 {
				if v, err := strconv.ParseFloat(f[0], 64); err == nil {
					res.load = v
				}
			}
		case strings.HasPrefix(line, "date: ") && res.date == "":
			res.date = strings.TrimSpace(strings.TrimPrefix(line, "date: "))
		case strings.HasPrefix(line, "cpu: ") && res.goCPU == "":
			res.goCPU = strings.TrimSpace(strings.TrimPrefix(line, "cpu: "))
		}
	}
	return sc.Err()
}

// addBench parses "BenchmarkName-2  100  123 ns/op  4.5 GFLOP/s ...".
// A name alone on its line (go test prints it before a slow benchmark's
// result when -v is on, or a failing benchmark) carries no numbers and is skipped.
func (res *results) addBench(line string) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		return
	}
	if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
		return
	}
	name := f[0]
	if m := procsSuffix.FindStringSubmatch(name); m != nil {
		name = strings.TrimSuffix(name, m[0])
		res.goProcs, _ = strconv.Atoi(m[1])
	}
	b := res.bench[name]
	if b == nil {
		b = &benchmark{name: name, metrics: map[string][]float64{}}
		res.bench[name] = b
		res.order = append(res.order, name)
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			continue
		}
		b.metrics[f[i+1]] = append(b.metrics[f[i+1]], v)
	}
}

// addPeer parses "peer train batch=64 image=28x28x1 malloc=tuned
// images_per_s=446.1 blas=openblas ...". The first key=value after the mode
// and the image name the configuration; a configuration run under both
// mallocs keeps one peerRun per malloc, so that the report can take the
// faster.
func (res *results) addPeer(line string) {
	f := strings.Fields(line)
	if len(f) < 3 || !strings.Contains(f[2], "=") {
		return
	}
	fields := map[string]string{}
	for _, kv := range f[2:] {
		if k, v, ok := strings.Cut(kv, "="); ok {
			fields[k] = v
		}
	}
	mode, key := f[1], f[2]
	image := fields["image"]
	if image == "" && strings.HasPrefix(key, "batch=") {
		image = defaultImage
	}
	cfg := peerConfig(mode, key, image)
	id := cfg
	if m := fields["malloc"]; m != "" {
		id += " malloc=" + m
	}
	p := res.peer[id]
	if p == nil {
		p = &peerRun{mode: mode, key: key, image: image, cfg: cfg, malloc: fields["malloc"],
			fields: map[string]string{}, values: map[string][]float64{}}
		res.peer[id] = p
	}
	for k, v := range fields {
		p.fields[k] = v
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			p.values[k] = append(p.values[k], x)
		}
	}
}

// defaultImage is the MNIST DCGAN's image, which peer lines and benchmark
// names leave unsaid.
const defaultImage = "28x28x1"

// peerConfig names a peer configuration: "train batch=64", or with another
// image "train batch=64 image=64x64x3".
func peerConfig(mode, key, image string) string {
	if image == "" || image == defaultImage {
		return mode + " " + key
	}
	return mode + " " + key + " image=" + image
}

// bestPeer returns, over the peer's malloc variants of configuration cfg,
// the best median of field (the lowest when lowerBetter, else the highest)
// and the variant that gave it.
func (res *results) bestPeer(cfg, field string, lowerBetter bool) (v float64, malloc string, ok bool) {
	for _, id := range sortedKeys(res.peer) {
		p := res.peer[id]
		if p.cfg != cfg {
			continue
		}
		x, have := p.median(field)
		if !have {
			continue
		}
		if !ok || (lowerBetter && x < v) || (!lowerBetter && x > v) {
			v, malloc, ok = x, p.malloc, true
		}
	}
	return v, malloc, ok
}

// cpuInfo reads the model name and the SIMD flags that matter to the
// kernels from /proc/cpuinfo text.
func cpuInfo(r io.Reader) (model string, cpus int, simd []string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var flags map[string]bool
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			cpus++
		case "model name":
			if model == "" {
				model = v
			}
		case "flags":
			if flags == nil {
				flags = map[string]bool{}
				for _, fl := range strings.Fields(v) {
					flags[fl] = true
				}
			}
		}
	}
	for _, fl := range []string{"avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni"} {
		if flags[fl] {
			simd = append(simd, fl)
		}
	}
	return model, cpus, simd
}
