package main

import (
	"fmt"
	"io"
	"math"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/internal/npy"
	"github.com/gogan/gan/train/eval"
)

// npyMagic opens every NumPy .npy file.
const npyMagic = "\x93NUMPY"

// readNPY reads an (N,C,H,W) little-endian float32 array in C order from a
// NumPy .npy file (format versions 1 to 3), the images another framework's
// generator wrote, e.g. with numpy.save(path, x.astype('float32')).
func readNPY(r io.Reader) (eval.Images, error) {
	dims, data, err := npy.Read(r)
	if err != nil {
		return eval.Images{}, err
	}
	if len(dims) != 4 || dims[0] < 1 || dims[1] < 1 || dims[2] < 1 || dims[3] < 1 {
		return eval.Images{}, fmt.Errorf("npy: shape %v; want (N,C,H,W) images", dims)
	}
	return eval.Images{N: dims[0], C: dims[1], H: dims[2], W: dims[3], Data: data}, nil
}

// loadNPY reads --npy: images in [-1, 1] at the feature network's input
// shape; the first n of them, or all when there are fewer.
func loadNPY(c *cli.Context, path string, net eval.Extractor, n int) (eval.Images, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return eval.Images{}, "", usage("--npy %s: no such file", path)
	}
	defer f.Close()
	// Whatever is wrong with the file (its header, dtype, rank or length)
	// is wrong with the user's input: exit 2, like a channel mismatch.
	im, err := readNPY(f)
	if err != nil {
		return eval.Images{}, "", usage("--npy %s: %v", path, err)
	}
	if ch, h, w := net.Input(); im.C != ch || im.H != h || im.W != w {
		return eval.Images{}, "", usage("--npy %s: images are (%d,%d,%d) but feature network %s takes (%d,%d,%d)",
			path, im.C, im.H, im.W, net.Name(), ch, h, w)
	}
	total := im.N
	switch {
	case im.N <= c.Int("k"):
		return eval.Images{}, "", usage("--npy %s: %d images; score more than --k %d", path, im.N, c.Int("k"))
	case im.N < n:
		notice(c, fmt.Sprintf("--npy %s holds %d images, fewer than --n %d: scoring all of them against as many reference images", path, im.N, n))
	case im.N > n:
		im.N, im.Data = n, im.Data[:n*im.C*im.H*im.W]
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range im.Data {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo < -1.01 || hi > 1.01 || math.IsNaN(float64(lo+hi)) {
		notice(c, fmt.Sprintf("--npy %s: values span [%g, %g]; gan-eval expects images in [-1, 1]", path, lo, hi))
	}
	return im, fmt.Sprintf("%s (first %d of %d images)", path, im.N, total), nil
}
