package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/infer/serve"
)

// serveCommand is `gan-gen serve`: the generator behind HTTP (package
// infer/serve does the work).
func serveCommand(modelFlag cli.Flag) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "serve a generator over HTTP: POST /v1/generate, GET /v1/model, /healthz, /readyz, /metrics",
		UsageText: "gan-gen serve [--model FILE.onnx] [--addr 127.0.0.1:8080] [flags]\ncurl -d '{\"n\": 16, \"seed\": 1, \"format\": \"tar\"}' http://127.0.0.1:8080/v1/generate > images.tar",
		Flags: []cli.Flag{
			modelFlag,
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "listen on `HOST:PORT`; off loopback, --token-file and --tls-cert/--tls-key are required"},
			&cli.IntFlag{Name: "max-batch", Value: infer.DefaultMaxBatch, Usage: "at most `N` images per onnxruntime run, merged from concurrent requests"},
			&cli.DurationFlag{Name: "max-wait", Value: 2 * time.Millisecond, Usage: "a run waits up to `D` for more requests once the first is in"},
			&cli.IntFlag{Name: "queue", Usage: "admit at most `N` images at once, queued or in progress; past it, 429 (default 4 x --max-batch)"},
			&cli.IntFlag{Name: "max-images", Value: 1024, Usage: "at most `N` images per request (its n)"},
			&cli.Int64Flag{Name: "max-body", Value: 8 << 20, Usage: "the largest request body, in `BYTES`; past it, 413"},
			&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "each request's deadline, `D` after it arrives"},
			&cli.DurationFlag{Name: "grace", Value: 30 * time.Second, Usage: "on SIGTERM, requests in flight get `D` to finish"},
			&cli.StringFlag{Name: "token-file", Usage: "require \"Authorization: Bearer TOKEN\" on /v1/ and /metrics, the token read from `FILE`"},
			&cli.StringFlag{Name: "tls-cert", Usage: "serve HTTPS with the certificate (chain) in `FILE`.pem"},
			&cli.StringFlag{Name: "tls-key", Usage: "the private key of --tls-cert, `FILE`.pem"},
			&cli.StringFlag{Name: "log-format", Value: "json", Usage: "request log lines on stderr as `FORMAT`: json or text"},
			&cli.StringFlag{Name: "provider", Value: "cpu", Usage: "execution `PROVIDER`: " + strings.Join(infer.Providers, ", ") + " (falls back to cpu with a warning)"},
			&cli.StringSliceFlag{Name: "provider-option", Usage: "provider option `KEY=VALUE` (repeatable)"},
			&cli.BoolFlag{Name: "strict-provider", Usage: "fail instead of falling back to cpu when --provider is unavailable"},
			&cli.IntFlag{Name: "threads", Usage: "`N` onnxruntime intra-op threads (0: one per core)"},
		},
		Action: serveAction,
	}
}

func serveAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usage("unexpected argument %q; see gan-gen serve --help", c.Args().First())
	}
	opt, err := serveOptions(c)
	if err != nil {
		return err
	}
	addr := c.String("addr")
	tlsConfig, err := serveTLS(c, addr, opt.Token != "")
	if err != nil {
		return err
	}
	name, b, err := modelBytes(c)
	if err != nil {
		return err
	}
	g, err := openModel(c, opt.MaxBatch)
	if err != nil {
		return err
	}
	defer g.Close()
	opt.Model = infer.Describe(name, b, g.Info())
	s, err := serve.New(g, opt)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %v", addr, err)
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	in := g.Info()
	opt.Logger.Info("serving", "url", scheme+"://"+l.Addr().String(), "model", name, "kind", in.Kind,
		"provider", g.Provider(), "max_batch", opt.MaxBatch, "max_wait", opt.MaxWait.String(), "queue", opt.QueueImages,
		"token", opt.Token != "")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return s.Serve(ctx, l, tlsConfig, c.Duration("grace"))
}

// serveOptions checks the service's flags.
func serveOptions(c *cli.Context) (serve.Options, error) {
	opt := serve.Options{
		MaxBatch: c.Int("max-batch"), MaxWait: c.Duration("max-wait"), QueueImages: c.Int("queue"),
		MaxImages: c.Int("max-images"), MaxBodyBytes: c.Int64("max-body"), Timeout: c.Duration("timeout"),
	}
	switch {
	case opt.MaxBatch < 1:
		return opt, usage("--max-batch %d: must be at least 1", opt.MaxBatch)
	case opt.MaxWait < 0:
		return opt, usage("--max-wait %v: must not be negative", opt.MaxWait)
	case c.IsSet("queue") && opt.QueueImages < 1:
		return opt, usage("--queue %d: must be at least 1 image", opt.QueueImages)
	case opt.MaxImages < 1:
		return opt, usage("--max-images %d: must be at least 1", opt.MaxImages)
	case opt.MaxBodyBytes < 1:
		return opt, usage("--max-body %d: must be at least 1 byte", opt.MaxBodyBytes)
	case opt.Timeout <= 0:
		return opt, usage("--timeout %v: must be positive", opt.Timeout)
	case c.Duration("grace") < 0:
		return opt, usage("--grace %v: must not be negative", c.Duration("grace"))
	}
	// --quiet keeps warnings and errors (5xx answers among them), not the
	// request lines.
	level := slog.LevelInfo
	if c.Bool("quiet") {
		level = slog.LevelWarn
	}
	ho := &slog.HandlerOptions{Level: level}
	switch f := c.String("log-format"); f {
	case "json":
		opt.Logger = slog.New(slog.NewJSONHandler(c.App.ErrWriter, ho))
	case "text":
		opt.Logger = slog.New(slog.NewTextHandler(c.App.ErrWriter, ho))
	default:
		return opt, usage("--log-format %s: want json or text", f)
	}
	if f := c.String("token-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return opt, usage("--token-file %s: %v", f, unwrapPath(err))
		}
		opt.Token = strings.TrimSpace(string(b))
		if opt.Token == "" || strings.ContainsAny(opt.Token, " \t\r\n") {
			return opt, usage("--token-file %s: want one token on one line, without spaces", f)
		}
	}
	return opt, nil
}

// serveTLS loads the certificate, and refuses to listen off loopback
// without both TLS and a token: a service reachable from a network never
// runs open or sends its token in clear.
func serveTLS(c *cli.Context, addr string, token bool) (*tls.Config, error) {
	cert, key := c.String("tls-cert"), c.String("tls-key")
	if (cert == "") != (key == "") {
		return nil, usage("--tls-cert and --tls-key go together: give both")
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, usage("--addr %s: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
	}
	if !serve.Loopback(addr) && (cert == "" || !token) {
		return nil, usage("--addr %s is reachable from the network: give --token-file and --tls-cert/--tls-key, or listen on 127.0.0.1", addr)
	}
	if cert == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, usage("--tls-cert %s, --tls-key %s: %v", cert, key, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}
