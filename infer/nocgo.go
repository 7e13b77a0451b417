//go:build !cgo

package infer

import "context"

// This file stands in for session.go, pool.go and provider.go when infer is
// built without cgo: the package keeps its API, so programs that import it
// still compile, and Open, OpenBytes and RuntimeVersion fail with ErrNoCgo.

const withCgo = false

type session struct{}

func (*session) close() error { return nil }

func (*Generator) startSession([]byte, config) error { return ErrNoCgo }

func (*Generator) run(context.Context, int, []float32, []int64, []float32) error { return ErrNoCgo }

func initRuntime(string) error { return ErrNoCgo }

func runtimeVersion() string { return "" }

// FeatureNet stands in for features.go's: OpenFeatures fails with ErrNoCgo.
type FeatureNet struct{}

// OpenFeatures fails with ErrNoCgo in a build without cgo.
func OpenFeatures(string, []byte, float32, float32, ...Option) (*FeatureNet, error) {
	return nil, ErrNoCgo
}

func (*FeatureNet) Name() string         { return "" }
func (*FeatureNet) Input() (c, h, w int) { return 0, 0, 0 }
func (*FeatureNet) Close() error         { return nil }

func (*FeatureNet) Features([]float32, int) ([]float32, int, error) { return nil, 0, ErrNoCgo }
