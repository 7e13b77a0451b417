package tensortest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gogan/gan/train/tensor"
)

// NPYArray is one array read from a .npy file. Whatever its stored dtype,
// the values are widened to float64, which holds float32 and the int64
// values used in fixtures (|v| < 2^53) exactly.
type NPYArray struct {
	Shape []int
	Data  []float64
	Dtype string // the stored descr: "<f8", "<f4" or "<i8"
}

// Float32 returns the values rounded to float32. Fixture inputs are drawn
// in float32, so for them this is exact.
func (a NPYArray) Float32() []float32 {
	out := make([]float32, len(a.Data))
	for i, v := range a.Data {
		out[i] = float32(v)
	}
	return out
}

// Tensor returns the array as a new float32 tensor of the same shape.
func (a NPYArray) Tensor() *tensor.Tensor { return tensor.New(a.Float32(), a.Shape...) }

// Int returns the single value of a one-element array as an int.
func (a NPYArray) Int() int {
	if len(a.Data) != 1 {
		panic(fmt.Sprintf("tensortest: Int of an array of shape %v", a.Shape))
	}
	return int(a.Data[0])
}

// LoadNPZ reads every array of a NumPy .npz archive (np.savez or
// np.savez_compressed), keyed by name without the ".npy" suffix. Only
// little-endian, C-ordered '<f8', '<f4' and '<i8' arrays are supported;
// anything else is an error naming the file and the array.
func LoadNPZ(path string) (map[string]NPYArray, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("tensortest: %s: %w", path, err)
	}
	defer zr.Close()
	out := make(map[string]NPYArray, len(zr.File))
	for _, f := range zr.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			return nil, fmt.Errorf("tensortest: %s: entry %q is not a .npy file", path, f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("tensortest: %s: %s: %w", path, f.Name, err)
		}
		a, err := ReadNPY(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("tensortest: %s: %s: %w", path, f.Name, err)
		}
		out[name] = a
	}
	return out, nil
}

var npyMagic = []byte("\x93NUMPY")

// ReadNPY reads one array in the .npy format (versions 1 to 3).
func ReadNPY(r io.Reader) (NPYArray, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return NPYArray{}, fmt.Errorf("npy: reading magic: %w", err)
	}
	if !bytes.Equal(pre[:6], npyMagic) {
		return NPYArray{}, fmt.Errorf("npy: bad magic %q", pre[:6])
	}
	var hlen int
	switch major := pre[6]; major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return NPYArray{}, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return NPYArray{}, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return NPYArray{}, fmt.Errorf("npy: unsupported format version %d.%d", major, pre[7])
	}
	if hlen > 1<<20 {
		return NPYArray{}, fmt.Errorf("npy: header of %d bytes is implausibly long", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return NPYArray{}, fmt.Errorf("npy: reading header: %w", err)
	}
	descr, fortran, shape, err := parseNPYHeader(string(hdr))
	if err != nil {
		return NPYArray{}, err
	}
	if fortran {
		return NPYArray{}, fmt.Errorf("npy: Fortran-ordered array; save it with np.ascontiguousarray")
	}
	size := map[string]int{"<f8": 8, "<f4": 4, "<i8": 8}[descr]
	if size == 0 {
		return NPYArray{}, fmt.Errorf("npy: unsupported dtype %q (want '<f8', '<f4' or '<i8')", descr)
	}
	n := 1
	for _, d := range shape {
		if d > 0 && n > (1<<31)/d {
			return NPYArray{}, fmt.Errorf("npy: shape %v is too large", shape)
		}
		n *= d
	}
	raw := make([]byte, n*size)
	if _, err := io.ReadFull(r, raw); err != nil {
		return NPYArray{}, fmt.Errorf("npy: reading %d values of shape %v: %w", n, shape, err)
	}
	if extra, _ := io.Copy(io.Discard, r); extra != 0 {
		return NPYArray{}, fmt.Errorf("npy: %d bytes after %d values of shape %v", extra, n, shape)
	}
	a := NPYArray{Shape: shape, Data: make([]float64, n), Dtype: descr}
	for i := range a.Data {
		b := raw[i*size:]
		switch descr {
		case "<f8":
			a.Data[i] = math.Float64frombits(binary.LittleEndian.Uint64(b))
		case "<f4":
			a.Data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		case "<i8":
			a.Data[i] = float64(int64(binary.LittleEndian.Uint64(b)))
		}
	}
	return a, nil
}

// parseNPYHeader reads the Python dict literal that numpy writes, e.g.
// {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }.
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	value := func(key string) (string, error) {
		k := "'" + key + "':"
		i := strings.Index(h, k)
		if i < 0 {
			return "", fmt.Errorf("npy: header %q has no %s", h, key)
		}
		return strings.TrimSpace(h[i+len(k):]), nil
	}
	v, err := value("descr")
	if err != nil {
		return "", false, nil, err
	}
	if len(v) < 2 || v[0] != '\'' || strings.IndexByte(v[1:], '\'') < 0 {
		return "", false, nil, fmt.Errorf("npy: header %q: descr is not a string", h)
	}
	descr = v[1 : 1+strings.IndexByte(v[1:], '\'')]

	if v, err = value("fortran_order"); err != nil {
		return "", false, nil, err
	}
	switch {
	case strings.HasPrefix(v, "False"):
	case strings.HasPrefix(v, "True"):
		fortran = true
	default:
		return "", false, nil, fmt.Errorf("npy: header %q: fortran_order is not a bool", h)
	}

	if v, err = value("shape"); err != nil {
		return "", false, nil, err
	}
	end := strings.IndexByte(v, ')')
	if len(v) == 0 || v[0] != '(' || end < 0 {
		return "", false, nil, fmt.Errorf("npy: header %q: shape is not a tuple", h)
	}
	shape = []int{}
	for _, f := range strings.Split(v[1:end], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue // "(3,)" and "()"
		}
		d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || d < 0 {
			return "", false, nil, fmt.Errorf("npy: header %q: bad dimension %q", h, f)
		}
		shape = append(shape, d)
	}
	return descr, fortran, shape, nil
}
