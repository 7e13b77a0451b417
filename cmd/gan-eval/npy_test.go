package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/train/data"
)

// testdata/tiny.npy was written by numpy.save: arange(8)/4-1 as (2,1,2,2).
func TestReadNPYFromNumPy(t *testing.T) {
	f, err := os.Open("testdata/tiny.npy")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := readNPY(f)
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 2 || im.C != 1 || im.H != 2 || im.W != 2 || len(im.Data) != 8 {
		t.Fatalf("shape (%d,%d,%d,%d), %d values", im.N, im.C, im.H, im.W, len(im.Data))
	}
	for i, v := range im.Data {
		if want := float32(i)/4 - 1; v != want {
			t.Errorf("value %d = %g, want %g", i, v, want)
		}
	}
}

// npyBytes encodes x as a version 1 .npy with the given header fields.
func npyBytes(descr, shape string, fortran bool, x []float32) []byte {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }", descr, map[bool]string{true: "True", false: "False"}[fortran], shape)
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	var b bytes.Buffer
	b.WriteString(npyMagic + "\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	binary.Write(&b, binary.LittleEndian, x)
	return b.Bytes()
}

func TestReadNPYRefuses(t *testing.T) {
	x := make([]float32, 8)
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{[]byte("PK\x03\x04 not npy"), "bad magic"},
		{npyBytes("<i8", "2, 1, 2, 2", false, x), "float32"},
		{npyBytes("<f4", "2, 1, 2, 2", true, x), "Fortran"},
		{npyBytes("<f4", "8,", false, x), "(N,C,H,W)"},
		{npyBytes("<f4", "4, 1, 2, 2", false, x), "needs 64 bytes"},
	} {
		if _, err := readNPY(bytes.NewReader(c.b)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error mentioning %q, got %v", c.want, err)
		}
	}
}

// --npy scores an array of images: MNIST training digits score a far lower
// FID than uniform noise, and a wrong image size is a usage error.
func TestScoreNPY(t *testing.T) {
	needMNIST(t)
	ds, err := data.LoadMNIST(data.DefaultMNISTDir(), "train")
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	reals := make([]float32, n*784)
	for i := 0; i < n; i++ {
		ds.Image(i, reals[i*784:(i+1)*784])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]float32, n*784)
	for i := range noise {
		noise[i] = 2*rng.Float32() - 1
	}
	dir := t.TempDir()
	fid := func(name string, x []float32) float64 {
		p := filepath.Join(dir, name)
		os.WriteFile(p, npyBytes("<f4", fmt.Sprintf("%d, 1, 28, 28", n), false, x), 0o644)
		code, out, errs := runCLI(t, append([]string{"--npy", p, "--n", "200", "--json"}, fastMetrics...)...)
		if code != 0 {
			t.Fatalf("--npy %s: exit %d: %s", name, code, errs)
		}
		var s struct {
			Source string  `json:"source"`
			FID    float64 `json:"fid"`
		}
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		if !strings.Contains(s.Source, "first 200 of 300 images") {
			t.Errorf("source %q", s.Source)
		}
		return s.FID
	}
	fr, fn := fid("real.npy", reals), fid("noise.npy", noise)
	if !(fr < fn/5) || math.IsNaN(fr) {
		t.Errorf("FID of real digits %g, of noise %g: want real far lower", fr, fn)
	}
	small := filepath.Join(dir, "small.npy")
	os.WriteFile(small, npyBytes("<f4", "8, 1, 2, 2", false, make([]float32, 32)), 0o644)
	if code, _, errs := runCLI(t, "--npy", small); code != 2 || !strings.Contains(errs, "takes (1,28,28)") {
		t.Errorf("--npy of 2x2 images: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "--npy", small, "--images", dir); code != 2 || !strings.Contains(errs, "give --images or --npy, not both") {
		t.Errorf("--npy with --images: exit %d: %s", code, errs)
	}
}

// Every problem with the --npy file is the user's input and exits 2: a
// wrong rank as much as a channel mismatch, a file that is not .npy, too
// few images for --k.
func TestNPYInputErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		b    []byte
		args []string
		want string
	}{
		{"rank1.npy", npyBytes("<f4", "784,", false, make([]float32, 784)), nil, "want (N,C,H,W)"},
		{"rank3.npy", npyBytes("<f4", "1, 28, 28", false, make([]float32, 784)), nil, "want (N,C,H,W)"},
		{"gray3.npy", npyBytes("<f4", "1, 3, 28, 28", false, make([]float32, 3*784)), nil, "takes (1,28,28)"},
		{"zip.npy", []byte("PK\x03\x04 not npy"), nil, "bad magic"},
		{"few.npy", npyBytes("<f4", "2, 1, 28, 28", false, make([]float32, 2*784)), []string{"--k", "3"}, "score more than --k 3"},
	} {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.b, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCLI(t, append([]string{"--npy", p}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) || !strings.Contains(errs, p) {
			t.Errorf("--npy %s: exit %d: %s; want exit 2 naming the file and %q", c.name, code, errs, c.want)
		}
	}
}
