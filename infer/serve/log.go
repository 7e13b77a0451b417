package serve

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// record is what one request's log line says beyond the HTTP basics; the
// generate handler fills it in.
type record struct {
	n      int
	format string
	err    string
	gone   bool // the client went away
}

type recordKey struct{}

func recordOf(r *http.Request) *record {
	if rec, ok := r.Context().Value(recordKey{}).(*record); ok {
		return rec
	}
	return &record{}
}

// recorder notes the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logged writes one structured line per request and counts it by status:
// 499 for a client that went away, as nginx does.
func (s *Server) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &record{}
		rw := &recorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
		aborted := true
		defer func() {
			status := rw.status
			switch {
			case rec.gone:
				status = 499
			case aborted && status == 0:
				status = http.StatusInternalServerError
			case status == 0:
				status = http.StatusOK
			}
			s.m.requests.WithLabelValues(strconv.Itoa(status)).Inc()
			d := time.Since(start)
			if r.URL.Path == "/v1/generate" {
				s.m.latency.WithLabelValues(r.URL.Path).Observe(d.Seconds())
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
				slog.Int64("bytes", rw.bytes), slog.Float64("ms", float64(d.Microseconds())/1000),
				slog.String("remote", r.RemoteAddr),
			}
			if rec.n > 0 {
				attrs = append(attrs, slog.Int("n", rec.n), slog.String("format", rec.format))
			}
			if aborted && !rec.gone {
				attrs = append(attrs, slog.Bool("aborted", true))
			}
			if rec.err != "" {
				attrs = append(attrs, slog.String("error", rec.err))
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		h.ServeHTTP(rw, r)
		aborted = false
	})
}
