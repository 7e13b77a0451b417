package serve

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gogan/gan/infer"
)

// Options configure a Server; zero fields take the defaults below.
type Options struct {
	// MaxBatch is the most images one onnxruntime run takes (default
	// infer.DefaultMaxBatch, 1024). Open the generator with at least this
	// infer.WithMaxBatch.
	MaxBatch int
	// MaxWait is how long a run waits for more requests once the first has
	// arrived (default 2ms). Under load the queue fills while a run is
	// computed, and the next run starts at once.
	MaxWait time.Duration
	// QueueImages bounds the images admitted at once, waiting, being
	// generated or being encoded (default 4 x MaxBatch). A request that
	// does not fit is answered 429.
	QueueImages int
	// MaxImages is the largest n a request may ask for (default 1024).
	MaxImages int
	// MaxBodyBytes bounds a request body (default 8 MiB); past it, 413.
	MaxBodyBytes int64
	// Timeout is a request's deadline, from arrival to its last byte
	// (default 60s).
	Timeout time.Duration
	// Token, when set, is required as "Authorization: Bearer TOKEN" on
	// /v1/ and /metrics (the probes /healthz and /readyz stay open).
	Token string
	// Model is what GET /v1/model answers, JSON-encoded (gan-gen passes
	// the object `gan-gen info --json` prints); nil: the generator's Info.
	Model any
	// Logger gets one line per request and the lifecycle's lines (default
	// slog.Default()).
	Logger *slog.Logger
	// Registry is where the metrics are registered and what /metrics
	// serves (default: a new registry with the Go and process collectors).
	Registry *prometheus.Registry
}

func (o *Options) defaults() error {
	if o.MaxBatch == 0 {
		o.MaxBatch = infer.DefaultMaxBatch
	}
	if o.MaxWait == 0 {
		o.MaxWait = 2 * time.Millisecond
	}
	if o.QueueImages == 0 {
		o.QueueImages = 4 * o.MaxBatch
	}
	if o.MaxImages == 0 {
		o.MaxImages = 1024
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 8 << 20
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Registry == nil {
		o.Registry = newRegistry()
	}
	switch {
	case o.MaxBatch < 1:
		return fmt.Errorf("serve: max batch %d: must be at least 1", o.MaxBatch)
	case o.MaxWait < 0:
		return fmt.Errorf("serve: max wait %v: must not be negative", o.MaxWait)
	case o.QueueImages < 1:
		return fmt.Errorf("serve: queue %d: must be at least 1 image", o.QueueImages)
	case o.MaxImages < 1:
		return fmt.Errorf("serve: max images %d: must be at least 1", o.MaxImages)
	case o.MaxBodyBytes < 1:
		return fmt.Errorf("serve: max body %d: must be at least 1 byte", o.MaxBodyBytes)
	case o.Timeout < 0:
		return fmt.Errorf("serve: timeout %v: must not be negative", o.Timeout)
	}
	return nil
}

// Server serves one generator. Make it with New, mount Handler (or call
// Serve), and Close it when done.
type Server struct {
	g     *infer.Generator
	info  infer.Info
	opt   Options
	log   *slog.Logger
	m     *metrics
	gate  *gate
	queue chan *job
	chunk int // images per job: min(MaxBatch, QueueImages)
	ready atomic.Bool

	stop, stopped chan struct{}
	closed        atomic.Bool
}

// New starts the batcher for g. The server is ready (GET /readyz answers
// 200) until Serve begins to drain or SetReady(false).
func New(g *infer.Generator, opt Options) (*Server, error) { return newServer(g, opt, nil) }

func newServer(g *infer.Generator, opt Options, hook func(size int)) (*Server, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	in := g.Info()
	s := &Server{
		g: g, info: in, opt: opt, log: opt.Logger, m: newMetrics(opt.Registry),
		gate:  newGate(opt.QueueImages),
		queue: make(chan *job, opt.QueueImages), // a job holds at least one admitted image: sends never block
		chunk: min(opt.MaxBatch, opt.QueueImages),
		stop:  make(chan struct{}), stopped: make(chan struct{}),
	}
	b := &batcher{g: g, maxBatch: opt.MaxBatch, maxWait: opt.MaxWait, queue: s.queue, m: s.m,
		chw: in.Channels * in.Size * in.Width, hook: hook}
	go b.loop(s.stop, s.stopped)
	s.ready.Store(true)
	return s, nil
}

// SetReady sets what /readyz answers.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Close stops the batcher; requests still waiting fail. Call it once no
// handler runs (Serve does).
func (s *Server) Close() {
	if s.closed.CompareAndSwap(false, true) {
		s.ready.Store(false)
		close(s.stop)
		<-s.stopped
	}
}

// Handler is the service's HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/generate", s.guard(http.HandlerFunc(s.generate)))
	mux.Handle("GET /v1/model", s.guard(http.HandlerFunc(s.model)))
	mux.Handle("GET /metrics", s.guard(promhttp.HandlerFor(s.opt.Registry, promhttp.HandlerOpts{})))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	return s.logged(mux)
}

// guard requires the bearer token, when there is one.
func (s *Server) guard(h http.Handler) http.Handler {
	if s.opt.Token == "" {
		return h
	}
	want := []byte("Bearer " + s.opt.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gan-gen"`)
			writeError(w, &requestError{http.StatusUnauthorized, "", "missing or wrong bearer token (Authorization: Bearer TOKEN)"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) model(w http.ResponseWriter, _ *http.Request) {
	v := s.opt.Model
	if v == nil {
		v = s.info
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// writeError answers with a JSON error naming the field, if any.
func writeError(w http.ResponseWriter, e *requestError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.status)
	body := map[string]string{"error": e.msg}
	if e.field != "" {
		body["field"] = e.field
	}
	json.NewEncoder(w).Encode(body)
}

// Serve answers on l (through TLS when tlsConfig is not nil) until ctx is
// done, then drains: /readyz turns false, the listener closes, and the
// requests in flight get grace to finish. It closes the server and
// returns nil after a complete drain, or an error naming what was cut off.
func (s *Server) Serve(ctx context.Context, l net.Listener, tlsConfig *tls.Config, grace time.Duration) error {
	defer s.Close()
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- hs.ServeTLS(l, "", "")
		} else {
			errc <- hs.Serve(l)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.SetReady(false)
	s.log.Info("draining", "grace", grace.String(), "admitted_images", s.gate.inUse())
	dctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(dctx); err != nil {
		hs.Close()
		return fmt.Errorf("the grace period of %v ran out with requests in flight; they were cut off", grace)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("drained")
	return nil
}

// Loopback reports whether addr (host:port) listens on the loopback
// interface only: localhost, 127.0.0.0/8 or ::1. An empty host listens
// everywhere.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
