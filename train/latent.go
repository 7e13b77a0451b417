package train

import (
	"bufio"
	"fmt"
	"github.com/gogan/gan/internal/atomicfile"
	"github.com/gogan/gan/internal/npy"
	"io"
	"math"
	"os"

	"github.com/gogan/gan/train/tensor"
)

// Latent files are NumPy .npy arrays of float32 (N, ZDim), one latent per
// row, so that numpy.load reads them and gan-gen --latents takes them.

// WriteNpy writes t as a little-endian float32 .npy array.
func WriteNpy(w io.Writer, t *tensor.Tensor) error { return npy.Write(w, t.Shape(), t.Data) }

// WriteNpyFile writes t to path atomically (see WriteNpy).
func WriteNpyFile(path string, t *tensor.Tensor) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteNpy(w, t) })
}

// ReadNpy reads a .npy array of float32 or float64 (rounded to float32).
func ReadNpy(r io.Reader) (*tensor.Tensor, error) {
	shape, data, err := npy.Read(r)
	if err != nil {
		return nil, err
	}
	return tensor.New(data, shape...), nil
}

// ReadLatents reads a latent file: a (N, zDim) .npy array, or a (zDim,)
// vector taken as one row. The error names the file and the shape wanted.
func ReadLatents(path string, zDim int) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("latents: %w", err)
	}
	defer f.Close()
	t, err := ReadNpy(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if t.Rank() == 1 {
		t = tensor.New(t.Data, 1, t.Dim(0))
	}
	if t.Rank() != 2 || t.Dim(1) != zDim || t.Dim(0) < 1 {
		return nil, fmt.Errorf("%s: an array of shape %v; want (N, %d) latents for this model", path, t.Shape(), zDim)
	}
	for _, v := range t.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s: the latents hold NaN or Inf", path)
		}
	}
	return t, nil
}
