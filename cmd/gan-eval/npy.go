package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/train/eval"
)

// npyMagic opens every NumPy .npy file.
const npyMagic = "\x93NUMPY"

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// readNPY reads an (N,C,H,W) little-endian float32 array in C order from a
// NumPy .npy file (format versions 1 to 3), the images another framework's
// generator wrote, e.g. with numpy.save(path, x.astype('float32')).
func readNPY(r io.Reader) (eval.Images, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	pre := make([]byte, 8)
	if _, err := io.ReadFull(br, pre); err != nil || string(pre[:6]) != npyMagic {
		return eval.Images{}, fmt.Errorf("not a .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var n uint16
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return eval.Images{}, fmt.Errorf("truncated header")
		}
		hlen = int(n)
	case 2, 3:
		var n uint32
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return eval.Images{}, fmt.Errorf("truncated header")
		}
		hlen = int(n)
	default:
		return eval.Images{}, fmt.Errorf(".npy format version %d.%d; this reader knows 1 to 3", pre[6], pre[7])
	}
	if hlen > 1<<20 {
		return eval.Images{}, fmt.Errorf("header of %d bytes is implausible", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(br, hb); err != nil {
		return eval.Images{}, fmt.Errorf("truncated header")
	}
	h := string(hb)
	d, f, s := npyDescr.FindStringSubmatch(h), npyFortran.FindStringSubmatch(h), npyShape.FindStringSubmatch(h)
	if d == nil || f == nil || s == nil {
		return eval.Images{}, fmt.Errorf("header %q lacks descr, fortran_order or shape", strings.TrimSpace(h))
	}
	if d[1] != "<f4" && d[1] != "f4" {
		return eval.Images{}, fmt.Errorf("dtype %s; want little-endian float32 (<f4): save x.astype('float32')", d[1])
	}
	if f[1] == "True" {
		return eval.Images{}, fmt.Errorf("array is in Fortran order; save a C-ordered array (numpy.ascontiguousarray)")
	}
	var dims []int
	for _, p := range strings.Split(s[1], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 {
			return eval.Images{}, fmt.Errorf("bad shape (%s)", s[1])
		}
		dims = append(dims, v)
	}
	if len(dims) != 4 {
		return eval.Images{}, fmt.Errorf("shape (%s); want (N,C,H,W) images", s[1])
	}
	im := eval.Images{N: dims[0], C: dims[1], H: dims[2], W: dims[3]}
	n := im.N * im.C * im.H * im.W
	raw := make([]byte, 4*n)
	if _, err := io.ReadFull(br, raw); err != nil {
		return eval.Images{}, fmt.Errorf("shape (%s) needs %d bytes of data: %v", s[1], 4*n, err)
	}
	im.Data = make([]float32, n)
	for i := range im.Data {
		im.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return im, nil
}

// loadNPY reads --npy: images in [-1, 1] at the feature network's input
// shape; the first n of them, or all when there are fewer.
func loadNPY(c *cli.Context, path string, net eval.Extractor, n int) (eval.Images, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return eval.Images{}, "", usage("--npy %s: no such file", path)
	}
	defer f.Close()
	im, err := readNPY(f)
	if err != nil {
		return eval.Images{}, "", fmt.Errorf("--npy %s: %v", path, err)
	}
	if ch, h, w := net.Input(); im.C != ch || im.H != h || im.W != w {
		return eval.Images{}, "", usage("--npy %s: images are (%d,%d,%d) but feature network %s takes (%d,%d,%d)",
			path, im.C, im.H, im.W, net.Name(), ch, h, w)
	}
	total := im.N
	switch {
	case im.N <= c.Int("k"):
		return eval.Images{}, "", fmt.Errorf("--npy %s: %d images; score more than --k %d", path, im.N, c.Int("k"))
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
