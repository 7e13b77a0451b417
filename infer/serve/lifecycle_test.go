package serve

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTimeout(t *testing.T) {
	g := openModel(t, grayModel)
	h := newHolder()
	s := start(t, g, Options{Timeout: 50 * time.Millisecond}, h)
	defer h.release()
	resp, b := post(t, s.url, `{"n": 1}`)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "timeout of 50ms") {
		t.Errorf("status %d, %s; want 503 naming the timeout", resp.StatusCode, b)
	}
}

func TestTokenAndProbes(t *testing.T) {
	g := openModel(t, grayModel)
	s := start(t, g, Options{Token: "s3cret", Model: map[string]string{"model": "gray"}}, nil)
	for _, c := range []struct{ path, token, want string }{
		{"/healthz", "", "200 ok"},
		{"/readyz", "", "200 ready"},
		{"/v1/model", "", "401"},
		{"/v1/model", "wrong", "401"},
		{"/v1/model", "s3cret", `200 {
  "model": "gray"
}`},
		{"/metrics", "", "401"},
		{"/metrics", "s3cret", "200 # HELP"},
	} {
		if got := get(t, s.url+c.path, c.token); !strings.HasPrefix(got, c.want) {
			t.Errorf("GET %s with token %q: %.60q; want %q...", c.path, c.token, got, c.want)
		}
	}
	resp, _ := post(t, s.url, `{}`)
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("POST without the token: %d", resp.StatusCode)
	}
	s.SetReady(false)
	if got := get(t, s.url+"/readyz", ""); !strings.HasPrefix(got, "503") {
		t.Errorf("/readyz when not ready: %q", got)
	}
	if !strings.Contains(s.logs.String(), `"msg":"request","method":"GET","path":"/v1/model","status":401`) {
		t.Errorf("no structured log line for the refused request:\n%s", s.logs.String())
	}
}

// TestDrain: once Serve's context is done, the listener closes and
// readiness turns false, while the request in flight still finishes.
func TestDrain(t *testing.T) {
	g := openModel(t, grayModel)
	h := newHolder()
	s, err := newServer(g, Options{Logger: slog.New(slog.DiscardHandler)}, h.hook)
	defer h.release()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error)
	go func() { served <- s.Serve(ctx, l, nil, 10*time.Second) }()
	type result struct {
		code int
		n    int
	}
	inflight := make(chan result)
	go func() {
		resp, b := post(t, url, `{"n": 5, "format": "npy"}`)
		inflight <- result{resp.StatusCode, len(b)}
	}()
	<-h.entered
	stop() // as SIGTERM does
	waitFor(t, func() bool { return !s.ready.Load() }, "readiness to turn false")
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", l.Addr().String())
		if err == nil {
			c.Close()
		}
		return err != nil
	}, "the listener to close")
	h.release()
	r := <-inflight
	if r.code != 200 || r.n != 128+5*4*64 {
		t.Errorf("the request in flight: status %d, %d bytes; want 200 and the whole array", r.code, r.n)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after a clean drain: %v", err)
	}
}

func TestDrainGraceRunsOut(t *testing.T) {
	g := openModel(t, grayModel)
	h := newHolder()
	defer h.release()
	s, _ := newServer(g, Options{Logger: slog.New(slog.DiscardHandler)}, h.hook)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error)
	go func() { served <- s.Serve(ctx, l, nil, 50*time.Millisecond) }()
	go http.Post("http://"+l.Addr().String()+"/v1/generate", "application/json", strings.NewReader(`{}`))
	<-h.entered
	stop()
	time.AfterFunc(time.Second, h.release) // Serve returns once the run in progress ends
	if err := <-served; err == nil || !strings.Contains(err.Error(), "grace period of 50ms ran out") {
		t.Errorf("Serve with a request held past the grace period: %v", err)
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "127.3.0.1:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:80": false, "10.0.0.5:8080": false, "example.com:80": false,
	} {
		if got := Loopback(addr); got != want {
			t.Errorf("Loopback(%q) = %v", addr, got)
		}
	}
}
