// Command loadgen is `make bench-serve`'s load generator: concurrent
// clients ask a gan-gen serve for images for a fixed time, then it reports
// throughput, latency percentiles and errors, the batch size the server
// formed (from its /metrics), the server's memory before and after, and
// the bare onnxruntime run at that batch size for comparison.
//
//	loadgen -url http://127.0.0.1:8080 -clients 64 -n 16 -duration 30s -model M.onnx
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/infer/pretrained"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "the server")
	clients := flag.Int("clients", 64, "concurrent clients, each with one request in flight")
	n := flag.Int("n", 16, "images per request")
	format := flag.String("format", "tar", "response format: tar, npy (or png/jpeg with -n 1)")
	duration := flag.Duration("duration", 30*time.Second, "how long to keep the clients asking, after the warm-up")
	warmup := flag.Duration("warmup", 3*time.Second, "load before the measured run, not counted (the server's memory settles)")
	token := flag.String("token", "", "bearer token")
	model := flag.String("model", "", "the server's model, for the bare onnxruntime run (default: gan-gen's built-in one)")
	threads := flag.Int("threads", 0, "onnxruntime threads of the bare run (0: one per core), as the server's --threads")
	bare := flag.Duration("bare", 5*time.Second, "how long to time the bare onnxruntime run (0: skip it)")
	flag.Parse()
	if err := run(*url, *clients, *n, *format, *token, *warmup, *duration, *model, *threads, *bare); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		os.Exit(1)
	}
}

type result struct {
	latency time.Duration
	status  int // 0: a transport error
	images  int
}

func run(url string, clients, n int, format, token string, warmup, duration time.Duration, model string, threads int, bare time.Duration) error {
	idle, err := scrape(url, token)
	if err != nil {
		return err
	}
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	if warmup > 0 {
		load(c, url, token, clients, n, format, warmup, 1000)
	}
	before, err := scrape(url, token)
	if err != nil {
		return err
	}
	load0 := loadavg()
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	results := load(c, url, token, clients, n, format, duration, 0)
	wall := time.Since(start)
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	load1 := loadavg()
	after, err := scrape(url, token)
	if err != nil {
		return err
	}

	var all []result
	for _, rs := range results {
		all = append(all, rs...)
	}
	var lat []time.Duration
	images := 0
	errs := map[int]int{}
	for _, r := range all {
		if r.status == 200 {
			lat = append(lat, r.latency)
			images += r.images
		} else {
			errs[r.status]++
		}
	}
	slices.Sort(lat)
	served := float64(images) / wall.Seconds()
	runs := after["gogan_serve_batch_size_count"] - before["gogan_serve_batch_size_count"]
	batched := after["gogan_serve_batch_size_sum"] - before["gogan_serve_batch_size_sum"]
	runSecs := after["gogan_serve_run_seconds_sum"] - before["gogan_serve_run_seconds_sum"]
	serverCPU := after["process_cpu_seconds_total"] - before["process_cpu_seconds_total"]
	cpu := func(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	genCPU := cpu(ru1.Utime) + cpu(ru1.Stime) - cpu(ru0.Utime) - cpu(ru0.Stime)
	cores := float64(runtime.NumCPU())

	fmt.Printf("load: %d clients x %d images (%s) for %v on %d cores; load average %s before, %s after\n",
		clients, n, format, wall.Round(time.Millisecond), runtime.NumCPU(), load0, load1)
	fmt.Printf("served: %d requests, %d images, %.0f images/s; latency p50 %v, p99 %v, max %v\n",
		len(lat), images, served, pct(lat, 0.50), pct(lat, 0.99), pct(lat, 1))
	fmt.Printf("errors: %d %s\n", len(all)-len(lat), fmtErrors(errs))
	avg := 0.0
	if runs > 0 {
		avg = batched / runs
		fmt.Printf("server: %.0f onnxruntime runs of %.1f images on average (%.1f ms each, %.0f%% of the wall time in runs)\n",
			runs, avg, 1000*runSecs/runs, 100*runSecs/wall.Seconds())
	}
	fmt.Printf("cpu: server %.0f%%, load generator %.0f%% of the %d cores\n",
		100*serverCPU/wall.Seconds()/cores, 100*genCPU/wall.Seconds()/cores, runtime.NumCPU())
	fmt.Printf("server rss: %.1f MiB idle, %.1f MiB after a %v warm-up, %.1f MiB at the end\n",
		idle["process_resident_memory_bytes"]/(1<<20), before["process_resident_memory_bytes"]/(1<<20), warmup,
		after["process_resident_memory_bytes"]/(1<<20))
	if bare > 0 && avg > 0 {
		b := max(1, int(math.Round(avg)))
		rate, err := bareRun(model, threads, b, bare)
		if err != nil {
			return err
		}
		fmt.Printf("bare onnxruntime run at batch %d (this process, server idle): %.0f images/s; served/bare %.2f\n",
			b, rate, served/rate)
	}
	return nil
}

// load runs clients for d, each with one request in flight; seeds start
// at seedBase and differ between clients.
func load(c *http.Client, url, token string, clients, n int, format string, d time.Duration, seedBase uint64) [][]result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	results := make([][]result, clients)
	var wg sync.WaitGroup
	for k := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seedBase+uint64(k), 7))
			for ctx.Err() == nil {
				body := fmt.Sprintf(`{"n": %d, "seed": %d, "format": %q}`, n, r.Uint32(), format)
				t0 := time.Now()
				status, err := post(ctx, c, url, token, body)
				if ctx.Err() != nil && err != nil {
					return // cut off by the end of the run: not counted
				}
				res := result{latency: time.Since(t0), status: status}
				if status == 200 {
					res.images = n
				}
				results[k] = append(results[k], res)
			}
		})
	}
	wg.Wait()
	return results
}

func post(ctx context.Context, c *http.Client, url, token, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url+"/v1/generate", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := min(len(d)-1, int(math.Ceil(q*float64(len(d))))-1)
	return d[max(i, 0)].Round(100 * time.Microsecond)
}

func fmtErrors(errs map[int]int) string {
	if len(errs) == 0 {
		return ""
	}
	var parts []string
	for code, k := range errs {
		name := fmt.Sprint(code)
		if code == 0 {
			name = "transport"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, k))
	}
	slices.Sort(parts)
	return "(" + strings.Join(parts, ", ") + ")"
}

// scrape reads the server's unlabelled Prometheus samples.
func scrape(url, token string) (map[string]float64, error) {
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading %s/metrics: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("reading %s/metrics: status %d: %s", url, resp.StatusCode, bytes.TrimSpace(b))
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		var name string
		var v float64
		if _, err := fmt.Sscanf(line, "%s %g", &name, &v); err == nil && !strings.HasPrefix(name, "#") {
			m[name] = v
		}
	}
	return m, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

// bareRun times Generate on ready latents at batch b: the onnxruntime run
// and the copy out, without HTTP, batching or encoding.
func bareRun(model string, threads, b int, d time.Duration) (float64, error) {
	opts := []infer.Option{infer.WithThreads(threads), infer.WithMaxBatch(b)}
	var g *infer.Generator
	var err error
	if model == "" {
		g, err = infer.OpenBytes(pretrained.Name, pretrained.Generator, opts...)
	} else {
		g, err = infer.Open(model, opts...)
	}
	if err != nil {
		return 0, err
	}
	defer g.Close()
	z := make([]float32, b*g.Info().ZDim)
	for i := range b {
		infer.LatentInto(z[i*g.Info().ZDim:(i+1)*g.Info().ZDim], uint64(i), 0)
	}
	var out infer.Batch
	ctx := context.Background()
	if err := g.GenerateInto(ctx, &out, infer.Request{Z: z}); err != nil { // warm-up
		return 0, err
	}
	start := time.Now()
	images := 0
	for time.Since(start) < d {
		if err := g.GenerateInto(ctx, &out, infer.Request{Z: z}); err != nil {
			return 0, err
		}
		images += b
	}
	return float64(images) / time.Since(start).Seconds(), nil
}
