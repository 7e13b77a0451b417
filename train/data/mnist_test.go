package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/testenv"
)

// idxBytes encodes an IDX file, gzip'd when zip is set.
func idxBytes(t testing.TB, magic uint32, dims []int, payload []byte, zip bool) []byte {
	t.Helper()
	var raw bytes.Buffer
	binary.Write(&raw, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&raw, binary.BigEndian, uint32(d))
	}
	raw.Write(payload)
	if !zip {
		return raw.Bytes()
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

// tinyMNIST writes a 5-image 4x3 "train" split into dir and returns its pixels and labels.
func tinyMNIST(t *testing.T, dir string, zip bool) ([]byte, []byte) {
	t.Helper()
	pix := make([]byte, 5*4*3)
	for i := range pix {
		pix[i] = byte(i * 37)
	}
	pix[0], pix[1] = 0, 255
	labels := []byte{5, 0, 4, 1, 9}
	ext := ""
	if zip {
		ext = ".gz"
	}
	write(t, filepath.Join(dir, "train-images-idx3-ubyte"+ext), idxBytes(t, idxImagesMagic, []int{5, 4, 3}, pix, zip))
	write(t, filepath.Join(dir, "train-labels-idx1-ubyte"+ext), idxBytes(t, idxLabelsMagic, []int{5}, labels, zip))
	return pix, labels
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadIDXRoundTrip(t *testing.T) {
	payload := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	for _, zip := range []bool{false, true} {
		dims, got, err := ReadIDX(bytes.NewReader(idxBytes(t, idxImagesMagic, []int{2, 3, 2}, payload, zip)), idxImagesMagic)
		if err != nil {
			t.Fatalf("zip=%v: %v", zip, err)
		}
		if len(dims) != 3 || dims[0] != 2 || dims[1] != 3 || dims[2] != 2 || !bytes.Equal(got, payload) {
			t.Errorf("zip=%v: got dims %v payload %v", zip, dims, got)
		}
	}
}

func TestLoadMNISTTiny(t *testing.T) {
	for _, zip := range []bool{true, false} {
		dir := t.TempDir()
		pix, labels := tinyMNIST(t, dir, zip)
		ds, err := LoadMNIST(dir, "train")
		if err != nil {
			t.Fatalf("zip=%v: %v", zip, err)
		}
		if c, h, w := ds.Shape(); ds.Len() != 5 || c != 1 || h != 4 || w != 3 {
			t.Fatalf("got %d images of (%d,%d,%d), want 5 of (1,4,3)", ds.Len(), c, h, w)
		}
		if ds.Name() != "mnist" || ds.NumClasses() != 10 || ds.ClassNames()[7] != "7" {
			t.Errorf("name %q, %d classes %v", ds.Name(), ds.NumClasses(), ds.ClassNames())
		}
		img := make([]float32, 12)
		for i := range 5 {
			ds.Image(i, img)
			for j, v := range img {
				if want := float32(float64(pix[i*12+j])/127.5 - 1); v != want {
					t.Fatalf("image %d pixel %d = %v, want %v", i, j, v, want)
				}
			}
			if ds.Label(i) != int(labels[i]) {
				t.Errorf("label %d = %d, want %d", i, ds.Label(i), labels[i])
			}
		}
		ds.Image(0, img)
		if img[0] != -1 || img[1] != 1 {
			t.Errorf("0 and 255 map to %v and %v, want -1 and 1", img[0], img[1])
		}
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	imgs := "train-images-idx3-ubyte.gz"
	lbls := "train-labels-idx1-ubyte.gz"
	full := idxBytes(t, idxImagesMagic, []int{5, 4, 3}, make([]byte, 60), true)
	cases := []struct {
		name  string
		file  string // replaced in a valid tiny split; "" removes nothing
		data  []byte
		want  []string
		split string
	}{
		{"bad magic", imgs, idxBytes(t, 1234, []int{5, 4, 3}, make([]byte, 60), true),
			[]string{"mnist: ", imgs + ": bad magic 1234 (want 2051); rerun make setup"}, "train"},
		{"labels magic for images", imgs, idxBytes(t, idxLabelsMagic, []int{5}, make([]byte, 5), true),
			[]string{imgs, "bad magic 2049 (want 2051)"}, "train"},
		{"count mismatch", lbls, idxBytes(t, idxLabelsMagic, []int{4}, make([]byte, 4), true),
			[]string{imgs + " has 5 images but ", lbls + " has 4 labels"}, "train"},
		{"truncated pixels gzip", imgs, idxBytes(t, idxImagesMagic, []int{5, 4, 3}, make([]byte, 50), true),
			[]string{imgs, "truncated", "need 60 data bytes, stream ends after 50"}, "train"},
		{"truncated pixels plain", imgs, idxBytes(t, idxImagesMagic, []int{5, 4, 3}, make([]byte, 59), false),
			[]string{imgs, "truncated", "ends after 59"}, "train"},
		{"truncated gzip stream", imgs, full[:len(full)-12],
			[]string{imgs, "truncated: gzip stream ends before its trailer"}, "train"},
		{"truncated header", imgs, idxBytes(t, idxImagesMagic, []int{5}, nil, true),
			[]string{imgs, "truncated: header ends before dimension 1"}, "train"},
		{"empty file", imgs, nil, []string{imgs, "truncated: no IDX header"}, "train"},
		{"trailing data", imgs, idxBytes(t, idxImagesMagic, []int{5, 4, 3}, make([]byte, 61), true),
			[]string{imgs, "data continues past the 60 bytes"}, "train"},
		{"label not a digit", lbls, idxBytes(t, idxLabelsMagic, []int{5}, []byte{1, 2, 10, 3, 4}, true),
			[]string{lbls, "label 10 of image 2 is not a digit"}, "train"},
		{"huge header", imgs, idxBytes(t, idxImagesMagic, []int{1 << 20, 1 << 10, 1 << 10}, nil, true),
			[]string{imgs, "implausible dimensions"}, "train"},
		{"missing file", "", nil, []string{"t10k-images-idx3-ubyte.gz: file does not exist; run make setup"}, "test"},
		{"bad split", "", nil, []string{`unknown split "val"`}, "val"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			tinyMNIST(t, dir, true)
			if c.file != "" {
				write(t, filepath.Join(dir, c.file), c.data)
			}
			_, err := LoadMNIST(dir, c.split)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			// Only absent files may read as absent: tests skip on those
			// and must fail on damaged ones.
			if absent := c.name == "missing file"; errors.Is(err, fs.ErrNotExist) != absent {
				t.Errorf("errors.Is(err, fs.ErrNotExist) = %v, want %v", !absent, absent)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// A flipped byte in the compressed data must not load silently.
	dir := t.TempDir()
	tinyMNIST(t, dir, true)
	bad := bytes.Clone(full)
	bad[len(bad)-5] ^= 0xff // inside the gzip trailer's CRC/length
	write(t, filepath.Join(dir, imgs), bad)
	if _, err := LoadMNIST(dir, "train"); err == nil || !strings.Contains(err.Error(), imgs) {
		t.Errorf("corrupt gzip trailer: got %v", err)
	} else {
		t.Log(err)
	}
}

func TestMNISTReal(t *testing.T) {
	dir := DefaultMNISTDir()
	for _, c := range []struct {
		split    string
		n, first int
	}{{"train", 60000, 5}, {"test", 10000, 7}} {
		ds, err := LoadMNIST(dir, c.split)
		testenv.Data(t, err)
		if ch, h, w := ds.Shape(); ds.Len() != c.n || ch != 1 || h != 28 || w != 28 {
			t.Fatalf("%s: %d images of (%d,%d,%d), want %d of (1,28,28)", c.split, ds.Len(), ch, h, w, c.n)
		}
		if ds.Label(0) != c.first {
			t.Errorf("%s: first label %d, want %d", c.split, ds.Label(0), c.first)
		}
		var counts [10]int
		for i := range ds.Len() {
			counts[ds.Label(i)]++
		}
		for d, k := range counts {
			if k < c.n/20 {
				t.Errorf("%s: digit %d has only %d images", c.split, d, k)
			}
		}
		img := make([]float32, 784)
		ds.Image(0, img)
		lo, hi := img[0], img[0]
		for _, v := range img {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != -1 || hi != 1 {
			t.Errorf("%s: image 0 spans [%v,%v], want [-1,1]", c.split, lo, hi)
		}
	}
}

func TestDefaultMNISTDir(t *testing.T) {
	t.Setenv("GOGAN_DATA", "")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// The tests run in train/data, two levels below go.mod.
	if got, want := DefaultMNISTDir(), filepath.Join(filepath.Dir(filepath.Dir(wd)), "data", "mnist"); got != want {
		t.Errorf("without GOGAN_DATA: %s, want %s", got, want)
	}
	root := t.TempDir()
	t.Setenv("GOGAN_DATA", root)
	if got := DefaultMNISTDir(); got != filepath.Join(root, "mnist") {
		t.Errorf("GOGAN_DATA=%s: %s, want %s/mnist", root, got, root)
	}
	tinyMNIST(t, root, true)
	if got := DefaultMNISTDir(); got != root {
		t.Errorf("GOGAN_DATA holding the files: %s, want %s", got, root)
	}
}

// The payload is read into a slice of its exact size, gzip'd or plain (a
// run keeps MNIST's 45 MiB resident for its whole length, so slack there is
// memory the run never gives back), and one larger than idxTrust grows
// only as the data arrives.
func TestReadIDXExactSize(t *testing.T) {
	for _, zip := range []bool{false, true} {
		b := idxBytes(t, idxImagesMagic, []int{3, 7, 11}, bytes.Repeat([]byte{5}, 3*7*11), zip)
		_, payload, err := ReadIDX(bytes.NewReader(b), idxImagesMagic)
		if err != nil || len(payload) != 231 || cap(payload) != 231 {
			t.Errorf("gzip %v: len %d cap %d, %v; want both 231", zip, len(payload), cap(payload), err)
		}
	}
	big := int64(idxTrust) + 12345
	p, err := readPayload(io.LimitReader(zeros{}, big), big)
	if err != nil || int64(len(p)) != big {
		t.Errorf("past idxTrust: %d bytes, %v; want %d", len(p), err, big)
	}
	if p, err := readPayload(io.LimitReader(zeros{}, 10), 20); err != io.ErrUnexpectedEOF || len(p) != 10 {
		t.Errorf("short stream: %d bytes, %v; want 10 and io.ErrUnexpectedEOF", len(p), err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
