//go:build cgo

package infer

import (
	"context"
	"fmt"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// withCgo reports whether infer was built with cgo, which onnxruntime_go
// needs; nocgo.go is the build without.
const withCgo = true

// session is the onnxruntime side of a Generator: the session every
// Generate call runs, and its input and output tensors pooled by batch size.
type session struct {
	ort  *ort.DynamicAdvancedSession
	pool tensorPool
}

func (s *session) close() error {
	s.pool.close()
	return s.ort.Destroy()
}

// initRuntime loads the shared library at path and starts the
// process-wide onnxruntime environment.
func initRuntime(path string) error {
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		msg := err.Error()
		if strings.Contains(msg, "ORT API base") {
			msg = "it does not provide the C API version onnxruntime_go needs; " + minVersionNote
		}
		return fmt.Errorf("%w: loading %s: %s; %s", ErrNoLibrary, path, msg, libraryFix())
	}
	return nil
}

// runtimeVersion is the loaded library's version.
func runtimeVersion() string { return ort.GetVersion() }

// startSession creates the session on the chosen provider, falling back to
// the CPU with a warning that says why when the provider cannot be used.
func (g *Generator) startSession(model []byte, cfg config) error {
	inputs := []string{"z"}
	if g.sig.label {
		inputs = append(inputs, "label")
	}
	create := func(provider string) (*ort.DynamicAdvancedSession, error) {
		so, err := sessionOptions(cfg.threads)
		if err != nil {
			return nil, err
		}
		defer so.Destroy()
		// With memory patterns on, the first run records its allocations
		// and the second makes one new block to that plan, so two runs pay
		// for first-touch page faults (about 80 MB at batch 1024 on
		// DCGAN-MNIST) before the third reuses memory. Without, the arena
		// reuses the first run's memory from the second run on.
		if err := so.SetMemPattern(false); err != nil {
			return nil, err
		}
		if err := appendProvider(so, provider, cfg.providerOpts); err != nil {
			return nil, err
		}
		return ort.NewDynamicAdvancedSessionWithONNXData(model, inputs, []string{"image"}, so)
	}
	s, err := create(cfg.provider)
	if err != nil && cfg.provider != "cpu" {
		reason := err.Error()
		if d := providerDiagnosis(cfg.provider, g.lib); d != "" {
			reason += ": " + d
		}
		if cfg.noFallback {
			return fmt.Errorf("infer: provider %s unavailable with %s: %s", cfg.provider, g.lib, reason)
		}
		g.warn(cfg, fmt.Sprintf("provider %s unavailable, running on the CPU instead: %s", cfg.provider, reason))
		cfg.provider = "cpu"
		s, err = create("cpu")
	}
	if err != nil {
		return &ModelError{g.name, fmt.Errorf("onnxruntime cannot load it: %v", err)}
	}
	g.session.ort, g.provider = s, cfg.provider
	return nil
}

// run computes one batch of size rows; z and labels may hold fewer rows
// (the rest are padding) and dst receives just those.
func (g *Generator) run(ctx context.Context, size int, z []float32, labels []int64, dst []float32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	set, err := g.session.pool.get(size, g)
	if err != nil {
		return err
	}
	zd := set.z.GetData()
	clear(zd[copy(zd, z):])
	if set.label != nil {
		ld := set.label.GetData()
		clear(ld[copy(ld, labels):])
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		set.run.Terminate()
		close(fired)
	})
	err = g.session.ort.RunWithOptions(set.inputs, set.outputs, set.run)
	if !stop() {
		// Cancelled: the run options now say terminate; do not reuse them.
		<-fired
		set.destroy()
		return ctx.Err()
	}
	if err != nil {
		set.destroy()
		return fmt.Errorf("infer: running %s on %s: %v", g.name, g.provider, err)
	}
	copy(dst, set.out.GetData())
	g.session.pool.put(set)
	return nil
}

// sessionOptions are the options every session starts from: threads > 0
// caps onnxruntime's intra-op threads. The caller destroys them.
func sessionOptions(threads int) (*ort.SessionOptions, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	if threads > 0 {
		if err := so.SetIntraOpNumThreads(threads); err != nil {
			so.Destroy()
			return nil, err
		}
	}
	return so, nil
}
