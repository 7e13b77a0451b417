// Package npy reads and writes NumPy .npy arrays of float32, the file
// format gogan uses for latents and raw image tensors, so that numpy.load
// and numpy.save interoperate with gan-train, gan-gen and gan-eval. It is a
// leaf: it imports nothing from the project.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// maxElems bounds what a header may announce, so a corrupt file fails
// with an error instead of a huge allocation.
const maxElems = 1 << 31

var (
	reDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	reFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	reShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// Read reads a little-endian float32 ('<f4') or float64 ('<f8', rounded to
// float32) array in C order, format versions 1 to 3, as numpy.save writes
// them. Errors start with "npy:" and say what to do.
func Read(r io.Reader) (shape []int, data []float32, err error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || !bytes.Equal(pre[:6], []byte("\x93NUMPY")) {
		return nil, nil, errors.New("npy: not a NumPy .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		hlen = int(binary.LittleEndian.Uint16(pre[8:]))
	case 2, 3:
		var more [2]byte
		if _, err := io.ReadFull(r, more[:]); err != nil {
			return nil, nil, errors.New("npy: truncated header")
		}
		hlen = int(binary.LittleEndian.Uint32(append(pre[8:10:10], more[:]...)))
	default:
		return nil, nil, fmt.Errorf("npy: format version %d.%d is not supported", pre[6], pre[7])
	}
	if hlen > 1<<16 {
		return nil, nil, fmt.Errorf("npy: header of %d bytes; the file is corrupt", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, nil, errors.New("npy: truncated header")
	}
	h := string(hb)
	d, f, s := reDescr.FindStringSubmatch(h), reFortran.FindStringSubmatch(h), reShape.FindStringSubmatch(h)
	if d == nil || f == nil || s == nil {
		return nil, nil, fmt.Errorf("npy: unreadable header %q", strings.TrimSpace(h))
	}
	if f[1] == "True" {
		return nil, nil, errors.New("npy: Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray")
	}
	size := 0
	switch d[1] {
	case "<f4", "f4":
		size = 4
	case "<f8", "f8":
		size = 8
	default:
		return nil, nil, fmt.Errorf("npy: dtype %s; want float32 (<f4) or float64 (<f8): save x.astype('float32')", d[1])
	}
	n := 1
	for _, p := range strings.Split(s[1], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > maxElems || n*v > maxElems {
			return nil, nil, fmt.Errorf("npy: bad or too large shape (%s)", s[1])
		}
		shape = append(shape, v)
		n *= v
	}
	// Read before allocating what the header announces: a short file with a
	// large shape fails after allocating about what it holds.
	raw, err := io.ReadAll(io.LimitReader(bufio.NewReaderSize(r, 1<<20), int64(n)*int64(size)))
	if err != nil || len(raw) != n*size {
		return nil, nil, fmt.Errorf("npy: shape (%s) needs %d bytes of data; the file is truncated", s[1], n*size)
	}
	data = make([]float32, n)
	for i := range data {
		if size == 4 {
			data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		} else {
			data[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	}
	return shape, data, nil
}

// Header returns the .npy (format 1.0) header for a little-endian float32
// C-order array of the given shape: magic, length and a Python dict literal
// padded so that the data starts on a 64-byte boundary.
func Header(shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", sh)
	dict += strings.Repeat(" ", (64-(10+len(dict)+1)%64)%64) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
	return append(b, dict...)
}

// Write writes data, shaped shape, as a float32 .npy array.
func Write(w io.Writer, shape []int, data []float32) error {
	bw := bufio.NewWriter(w)
	bw.Write(Header(shape))
	var b [4]byte
	for _, v := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}
