package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/train/eval"
)

// openFeatures returns the feature network --features names, or the
// built-in one, and a function that releases it.
func openFeatures(c *cli.Context) (eval.Extractor, func(), error) {
	path := c.String("features")
	if path == "" {
		f, err := eval.DefaultFeatureNet()
		return f, func() {}, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, usage("--features %s: no such file", path)
		}
		return nil, nil, usage("--features %s: %v", path, unwrapPath(err))
	}
	if eval.IsFeatureNetFile(b) {
		f, err := eval.ParseFeatureNet(b)
		if err != nil {
			return nil, nil, fmt.Errorf("--features %s: %v", path, err)
		}
		return f, func() {}, nil
	}
	lo, hi, err := parseRange(c.String("features-range"))
	if err != nil {
		return nil, nil, err
	}
	n, err := openONNXFeatures(path, b, lo, hi, c.Int("threads"))
	if err != nil {
		return nil, nil, err
	}
	return n, n.close, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func parseRange(s string) (lo, hi float32, err error) {
	a, b, ok := strings.Cut(s, ",")
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 32)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 32)
	if !ok || err1 != nil || err2 != nil || !(x < y) {
		return 0, 0, usage("--features-range %q: want LO,HI with LO < HI, e.g. 0,1", s)
	}
	return float32(x), float32(y), nil
}
