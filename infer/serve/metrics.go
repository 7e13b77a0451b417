package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the service's Prometheus series, all named gogan_serve_*.
type metrics struct {
	requests   *prometheus.CounterVec // by HTTP status code
	images     prometheus.Counter     // images sent
	batchSize  prometheus.Histogram   // images per onnxruntime run
	runSeconds prometheus.Histogram   // one onnxruntime run
	latency    *prometheus.HistogramVec
	queued     prometheus.Gauge // images waiting for a run
	admitted   prometheus.Gauge // images admitted and not yet sent
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gogan_serve_requests_total", Help: "HTTP requests answered, by status code (499: the client went away).",
		}, []string{"code"}),
		images: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gogan_serve_images_total", Help: "Images generated and sent.",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gogan_serve_batch_size", Help: "Images per onnxruntime run, after merging requests.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		runSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gogan_serve_run_seconds", Help: "Duration of one onnxruntime run.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gogan_serve_request_seconds", Help: "Time from a request's arrival to its last byte, by path.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"path"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gogan_serve_queue_images", Help: "Images waiting for an onnxruntime run.",
		}),
		admitted: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gogan_serve_admitted_images", Help: "Images admitted and not yet sent (bounded by the queue limit; past it, 429).",
		}),
	}
	f(m.requests)
	f(m.images)
	f(m.batchSize)
	f(m.runSeconds)
	f(m.latency)
	f(m.queued)
	f(m.admitted)
	return m
}

// newRegistry is a registry with the Go runtime's and the process's
// collectors (memory, CPU, open files) beside the service's own.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
