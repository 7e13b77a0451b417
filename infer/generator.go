package infer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
)

// Generator runs an exported generator through onnxruntime. It is safe for
// concurrent use: one session serves every call, and the input and output
// tensors are pooled by batch size and reused across calls.
type Generator struct {
	name     string
	info     Info
	sig      signature
	lib      string
	provider string
	warnings []string
	maxBatch int
	session  session // the onnxruntime side (session.go; a stub without cgo)

	mu     sync.RWMutex // Generate holds it shared, Close exclusive
	closed bool
}

// Open reads an ONNX generator exported by gan-train and starts an
// onnxruntime session for it. Errors about the file are *ModelError; a
// missing runtime library wraps ErrNoLibrary.
func Open(path string, opts ...Option) (*Generator, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			err = errors.New("no such file")
		case errors.As(err, &pe):
			err = pe.Err
		}
		return nil, &ModelError{path, err}
	}
	return OpenBytes(path, b, opts...)
}

// OpenBytes is Open for a model held in memory (an embedded file, say);
// name identifies it in errors.
func OpenBytes(name string, model []byte, opts ...Option) (*Generator, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case !knownProvider(cfg.provider):
		return nil, fmt.Errorf("infer: unknown provider %q (want one of %s)", cfg.provider, strings.Join(Providers, ", "))
	case cfg.threads < 0:
		return nil, fmt.Errorf("infer: threads %d: must be 0 (onnxruntime's default) or more", cfg.threads)
	case cfg.maxBatch < 1:
		return nil, fmt.Errorf("infer: max batch %d: must be at least 1", cfg.maxBatch)
	}
	info, sig, err := inspect(model, name)
	if err != nil {
		return nil, err
	}
	lib, err := loadLibrary(cfg.library)
	if err != nil {
		return nil, err
	}
	g := &Generator{name: name, info: info, sig: sig, lib: lib, maxBatch: cfg.maxBatch}
	if err := g.startSession(model, cfg); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Generator) warn(cfg config, msg string) {
	g.warnings = append(g.warnings, msg)
	if cfg.logf != nil {
		cfg.logf(msg)
	}
}

// Info returns the model's metadata.
func (g *Generator) Info() Info { return g.info }

// Name is the path (or name) the model was opened with.
func (g *Generator) Name() string { return g.name }

// Provider is the execution provider in use: the one asked for, or "cpu"
// after a fallback.
func (g *Generator) Provider() string { return g.provider }

// Library is the path of the loaded onnxruntime library.
func (g *Generator) Library() string { return g.lib }

// Warnings lists the notices raised while opening, such as a provider
// fallback and its cause.
func (g *Generator) Warnings() []string { return append([]string(nil), g.warnings...) }

// Close releases the session and pooled tensors, waiting for running
// Generate calls to finish. Generate fails after Close.
func (g *Generator) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	return g.session.close()
}

// Request says which images to generate: exactly one of Seeds, Latents or Z.
type Request struct {
	// Seeds gives one seed per image; image i's latent is Latent(Seeds[i],
	// ZDim, Truncation), so it does not depend on the other seeds.
	Seeds []uint64
	// Latents gives one latent vector of ZDim values per image.
	Latents [][]float32
	// Z gives the latents flat, (N, ZDim) row-major.
	Z []float32
	// Labels gives each image's class for a conditional model, or a single
	// label for all of them. Unconditional models take none.
	Labels []int
	// Truncation, with Seeds, redraws latent entries whose magnitude
	// exceeds it (0: no truncation; see Latent).
	Truncation float64
}

// Generate runs the generator on the request's latents, in runs of at most
// the maximum batch (or the model's fixed batch, padding the last run). ctx
// cancels a run in progress.
func (g *Generator) Generate(ctx context.Context, req Request) (*Batch, error) {
	b := &Batch{}
	if err := g.GenerateInto(ctx, b, req); err != nil {
		return nil, err
	}
	return b, nil
}

// GenerateInto is Generate writing into b, reusing its slices where they
// are large enough: a caller that recycles batches does not allocate (and
// fault in) a fresh image tensor per call. On error b's contents are
// undefined.
func (g *Generator) GenerateInto(ctx context.Context, b *Batch, req Request) error {
	z, n, err := g.latents(req)
	if err != nil {
		return err
	}
	labels, err := g.labels(req.Labels, n)
	if err != nil {
		return err
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return errors.New("infer: Generate after Close")
	}
	in := g.info
	b.Shape, b.ValueRange = [4]int{n, in.Channels, in.Size, in.Width}, in.ValueRange
	seeds, labs := b.Seeds[:0], b.Labels[:0]
	b.Seeds, b.Labels = nil, nil
	if req.Seeds != nil {
		b.Seeds = append(seeds, req.Seeds...)
	}
	if labels != nil {
		for _, l := range labels {
			labs = append(labs, int(l))
		}
		b.Labels = labs
	}
	chw := in.Channels * in.Size * in.Width
	b.Data = resize(b.Data, n*chw)
	chunk := g.maxBatch
	if g.sig.fixedBatch > 0 {
		chunk = int(g.sig.fixedBatch)
	}
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		size := m
		if g.sig.fixedBatch > 0 {
			size = chunk
		}
		var lab []int64
		if labels != nil {
			lab = labels[start : start+m]
		}
		if err := g.run(ctx, size, z[start*in.ZDim:(start+m)*in.ZDim], lab, b.Data[start*chw:(start+m)*chw]); err != nil {
			return err
		}
	}
	return nil
}

// resize returns s with length n, reallocating only when it is too short.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// latents returns the request's latents flat, (N, ZDim), and N.
func (g *Generator) latents(req Request) ([]float32, int, error) {
	zdim := g.info.ZDim
	given := 0
	for _, ok := range []bool{req.Seeds != nil, req.Latents != nil, req.Z != nil} {
		if ok {
			given++
		}
	}
	if given != 1 {
		return nil, 0, errors.New("infer: a Request needs exactly one of Seeds, Latents or Z")
	}
	if req.Truncation != 0 && req.Seeds == nil {
		return nil, 0, errors.New("infer: Truncation applies to Seeds; truncate given latents yourself")
	}
	if err := CheckTruncation(req.Truncation); err != nil {
		return nil, 0, err
	}
	switch {
	case req.Seeds != nil:
		z := make([]float32, len(req.Seeds)*zdim)
		for i, s := range req.Seeds {
			LatentInto(z[i*zdim:(i+1)*zdim], s, req.Truncation)
		}
		return z, len(req.Seeds), nil
	case req.Latents != nil:
		z := make([]float32, len(req.Latents)*zdim)
		for i, l := range req.Latents {
			if len(l) != zdim {
				return nil, 0, fmt.Errorf("infer: latent %d has %d values; the model's z_dim is %d", i, len(l), zdim)
			}
			copy(z[i*zdim:], l)
		}
		return z, len(req.Latents), nil
	}
	if len(req.Z)%zdim != 0 {
		return nil, 0, fmt.Errorf("infer: Z has %d values, not a multiple of the model's z_dim %d", len(req.Z), zdim)
	}
	return req.Z, len(req.Z) / zdim, nil
}

// labels checks the request's labels against the model and expands a
// single label to n.
func (g *Generator) labels(ls []int, n int) ([]int64, error) {
	if !g.sig.label {
		if len(ls) > 0 {
			return nil, fmt.Errorf("infer: labels given, but %s is not a conditional model", g.name)
		}
		return nil, nil
	}
	if len(ls) != n && len(ls) != 1 {
		return nil, fmt.Errorf("infer: %s is conditional: give one label per image (%d) or one for all, not %d", g.name, n, len(ls))
	}
	out := make([]int64, n)
	for i := range out {
		l := ls[0]
		if len(ls) > 1 {
			l = ls[i]
		}
		if err := g.CheckLabel(l); err != nil {
			return nil, err
		}
		out[i] = int64(l)
	}
	return out, nil
}

// CheckLabel reports whether l is a class of the model.
func (g *Generator) CheckLabel(l int) error {
	c := g.info.Classes
	switch {
	case !g.sig.label:
		return fmt.Errorf("infer: %s is not a conditional model; it takes no label", g.name)
	case l < 0 || (c != nil && l >= len(c)):
		if c == nil {
			return fmt.Errorf("infer: label %d: labels are non-negative class indices", l)
		}
		return fmt.Errorf("infer: label %d: %s has %d classes, 0-%d (%s)", l, g.name, len(c), len(c)-1, strings.Join(c, ", "))
	}
	return nil
}
