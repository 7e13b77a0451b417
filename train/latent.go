package train

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/gogan/gan/train/tensor"
)

// Latent files are NumPy .npy arrays of float32 (N, ZDim), one latent per
// row, so that numpy.load reads them and gan-gen --latents takes them.

// WriteNpy writes t as a little-endian float32 .npy array (format 1.0):
// magic, header length, a Python dict literal padded so that the data
// starts on a 64-byte boundary, then the values in C order.
func WriteNpy(w io.Writer, t *tensor.Tensor) error {
	dims := make([]string, t.Rank())
	for i, d := range t.Shape() {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if t.Rank() == 1 {
		shape += ","
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape)
	header += strings.Repeat(" ", (64-(10+len(header)+1)%64)%64) + "\n"
	bw := bufio.NewWriter(w)
	bw.WriteString("\x93NUMPY\x01\x00")
	binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	bw.WriteString(header)
	var b [4]byte
	for _, v := range t.Data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// WriteNpyFile writes t to path atomically (see WriteNpy).
func WriteNpyFile(path string, t *tensor.Tensor) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return WriteNpy(w, t) })
}

var (
	npyDescr   = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// ReadNpy reads a .npy array of little-endian float32 ('<f4') or float64
// ('<f8', rounded to float32) in C order, as numpy.save writes them.
func ReadNpy(r io.Reader) (*tensor.Tensor, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || !bytes.Equal(pre[:6], []byte("\x93NUMPY")) {
		return nil, errors.New("npy: not a NumPy .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		hlen = int(binary.LittleEndian.Uint16(pre[8:]))
	case 2, 3:
		var more [2]byte
		if _, err := io.ReadFull(r, more[:]); err != nil {
			return nil, errors.New("npy: truncated header")
		}
		hlen = int(binary.LittleEndian.Uint32(append(pre[8:10:10], more[:]...)))
	default:
		return nil, fmt.Errorf("npy: format version %d.%d is not supported", pre[6], pre[7])
	}
	if hlen > 1<<16 {
		return nil, fmt.Errorf("npy: header of %d bytes; the file is corrupt", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, errors.New("npy: truncated header")
	}
	h := string(hb)
	d, f, s := npyDescr.FindStringSubmatch(h), npyFortran.FindStringSubmatch(h), npyShape.FindStringSubmatch(h)
	if d == nil || f == nil || s == nil {
		return nil, fmt.Errorf("npy: unreadable header %q", strings.TrimSpace(h))
	}
	if f[1] == "True" {
		return nil, errors.New("npy: Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray")
	}
	size := 0
	switch d[1] {
	case "<f4":
		size = 4
	case "<f8":
		size = 8
	default:
		return nil, fmt.Errorf("npy: dtype %s; want float32 (<f4) or float64 (<f8)", d[1])
	}
	var shape []int
	n := 1
	for _, p := range strings.Split(s[1], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 1<<31 {
			return nil, fmt.Errorf("npy: bad shape (%s)", s[1])
		}
		shape = append(shape, v)
		n *= v
		if n > 1<<31 {
			return nil, fmt.Errorf("npy: shape (%s) is too large", s[1])
		}
	}
	raw := make([]byte, n*size)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("npy: shape (%s) needs %d bytes of data; the file is truncated", s[1], n*size)
	}
	data := make([]float32, n)
	for i := range data {
		if size == 4 {
			data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		} else {
			data[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
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
