package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte)
// and the number of dimensions.
const (
	idxImagesMagic = 0x00000803 // 2051: (N, rows, cols) bytes
	idxLabelsMagic = 0x00000801 // 2049: (N) bytes
)

// maxIDXBytes bounds the payload a header may announce, so a corrupt header fails
// with a message instead of a multi-gigabyte allocation. MNIST's largest is 47 MB.
const maxIDXBytes = 1 << 30

// mnistFiles names the image and label files of each split, as published.
var mnistFiles = map[string][2]string{
	"train": {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	"test":  {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
}

// LoadMNIST reads the "train" (60000) or "test" (10000) split of MNIST from dir,
// which holds the four IDX files, each gzip'd (name.gz, as published) or plain.
// Images are (1,28,28); labels are the digits 0..9. Fashion-MNIST uses the same
// file names and format, so it loads too.
func LoadMNIST(dir, split string) (*Images, error) {
	names, ok := mnistFiles[split]
	if !ok {
		return nil, fmt.Errorf("mnist: unknown split %q (want \"train\" or \"test\")", split)
	}
	imgPath, err := findIDX(dir, names[0])
	if err != nil {
		return nil, err
	}
	lblPath, err := findIDX(dir, names[1])
	if err != nil {
		return nil, err
	}
	dims, pix, err := readIDXFile(imgPath, idxImagesMagic)
	if err != nil {
		return nil, err
	}
	_, raw, err := readIDXFile(lblPath, idxLabelsMagic)
	if err != nil {
		return nil, err
	}
	n, h, w := dims[0], dims[1], dims[2]
	if len(raw) != n {
		return nil, fmt.Errorf("mnist: %s has %d images but %s has %d labels; rerun make setup", imgPath, n, lblPath, len(raw))
	}
	labels := make([]int, n)
	for i, l := range raw {
		if l > 9 {
			return nil, fmt.Errorf("mnist: %s: label %d of image %d is not a digit 0..9; rerun make setup", lblPath, l, i)
		}
		labels[i] = int(l)
	}
	classes := make([]string, 10)
	for i := range classes {
		classes[i] = strconv.Itoa(i)
	}
	return NewImages("mnist", 1, h, w, pix, labels, classes), nil
}

// findIDX returns the path of name.gz, or of plain name when only that exists.
func findIDX(dir, name string) (string, error) {
	gz := filepath.Join(dir, name+".gz")
	for _, p := range []string{gz, filepath.Join(dir, name)} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mnist: %s: %v", p, err)
		}
	}
	// Wrapping fs.ErrNotExist lets callers (and tests) tell absent data,
	// which they may skip, from damaged data, which they must not.
	return "", fmt.Errorf("mnist: %s: %w; run make setup to download MNIST (or set GOGAN_DATA to the data folder)", gz, fs.ErrNotExist)
}

// readIDXFile reads an unsigned-byte IDX file, gzip'd or plain, whose magic must be want.
// Errors name the file and end with what to do.
func readIDXFile(path string, want uint32) (dims []int, payload []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %v", err)
	}
	defer f.Close()
	dims, payload, err = ReadIDX(f, want)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %s: %v; rerun make setup", path, err)
	}
	return dims, payload, nil
}

// ReadIDX reads one unsigned-byte IDX stream (the MNIST format: big-endian magic,
// then one big-endian uint32 per dimension, then the bytes row-major). A gzip'd
// stream is recognised by its header and decompressed. The magic must equal want
// (2051 for (N,rows,cols) images, 2049 for (N) labels), the payload must be
// complete, and nothing may follow it; reading to the end also makes gzip verify
// its checksum.
func ReadIDX(r io.Reader, want uint32) (dims []int, payload []byte, err error) {
	if want>>8 != 0x08 {
		panic(fmt.Sprintf("data: ReadIDX: magic %#x is not an unsigned-byte IDX type", want))
	}
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("bad gzip header: %v", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	var magic uint32
	if err := binary.Read(br, binary.BigEndian, &magic); err != nil {
		return nil, nil, fmt.Errorf("truncated: no IDX header (%v)", readErr(err))
	}
	if magic != want {
		return nil, nil, fmt.Errorf("bad magic %d (want %d)", magic, want)
	}
	dims = make([]int, magic&0xff)
	size := int64(1)
	for i := range dims {
		var d uint32
		if err := binary.Read(br, binary.BigEndian, &d); err != nil {
			return nil, nil, fmt.Errorf("truncated: header ends before dimension %d (%v)", i, readErr(err))
		}
		dims[i] = int(d)
		size *= int64(d)
		if size > maxIDXBytes {
			return nil, nil, fmt.Errorf("implausible dimensions %v (over %d bytes)", dims[:i+1], int64(maxIDXBytes))
		}
	}
	for i, d := range dims[1:] {
		if d == 0 {
			return nil, nil, fmt.Errorf("dimension %d is zero in %v", i+1, dims)
		}
	}
	payload, err = readPayload(br, size)
	if err != nil {
		return nil, nil, fmt.Errorf("truncated: dimensions %v need %d data bytes, stream ends after %d (%v)", dims, size, len(payload), readErr(err))
	}
	var extra [1]byte
	switch n, err := br.Read(extra[:]); {
	case n > 0:
		return nil, nil, fmt.Errorf("data continues past the %d bytes of dimensions %v", size, dims)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, nil, fmt.Errorf("truncated: gzip stream ends before its trailer")
	case err != io.EOF:
		return nil, nil, fmt.Errorf("corrupt after the %d data bytes: %v", size, err)
	}
	return dims, payload, nil
}

// idxTrust is how much of what an IDX header announces is allocated before
// any of it is read: all of MNIST's 45 MiB (and under the fuzz tests' 64 MiB
// bound, allocs.FuzzLimit), so that the payload is read into
// one slice of its exact size (io.ReadAll's doubling allocated 109 MB for
// it, which the process kept as resident memory for the whole run), while a
// short stream whose header announces up to maxIDXBytes fails after
// allocating at most this plus about what it holds.
const idxTrust = 48 << 20

// readPayload reads exactly size bytes of r into a slice of capacity size,
// growing it past idxTrust only as data arrives. It returns the bytes read
// and io.ErrUnexpectedEOF when the stream ends first.
func readPayload(r io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, 0, min(size, idxTrust))
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(size, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
	}
	return buf, nil
}

// readErr gives io's end-of-stream errors a plainer wording.
func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of file")
	}
	return err
}

// DataDir returns the root data folder: $GOGAN_DATA when set, else data/ in the
// module root (the nearest folder at or above the working directory holding
// go.mod), else data/ beside the bin/ folder of the running binary (so an
// installed bin/gan-train works from any folder), else "data". The setup
// script fills it; MNIST lives in DataDir()/mnist.
func DataDir() string {
	if env := os.Getenv("GOGAN_DATA"); env != "" {
		return env
	}
	if d := moduleData(); d != "" {
		return d
	}
	if exe, err := os.Executable(); err == nil {
		d := filepath.Join(filepath.Dir(filepath.Dir(exe)), "data")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return "data"
}

func moduleData() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "data")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// DefaultMNISTDir returns DataDir()/mnist. As a convenience, when GOGAN_DATA
// itself holds the MNIST files (it was pointed at the mnist folder), that folder
// is returned instead.
func DefaultMNISTDir() string {
	root := DataDir()
	if os.Getenv("GOGAN_DATA") != "" {
		if _, err := findIDX(root, mnistFiles["train"][0]); err == nil {
			return root
		}
	}
	return filepath.Join(root, "mnist")
}
