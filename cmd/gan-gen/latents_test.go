package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/internal/testenv"
)

// saveNpy writes values as a little-endian .npy array of the given shape
// and dtype ("<f4" or "<f8"), as numpy.save does.
func saveNpy(t *testing.T, path, dtype string, shape []int, values []float64) {
	t.Helper()
	dims := ""
	for _, d := range shape {
		dims += fmt.Sprint(d) + ","
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", dtype, dims)
	h += strings.Repeat(" ", 127-10-len(h)) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	for _, v := range values {
		if dtype == "<f8" {
			binary.Write(&b, binary.LittleEndian, v)
		} else {
			binary.Write(&b, binary.LittleEndian, float32(v))
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ramp returns n values k*step, k = 0.., shifted by off.
func ramp(n int, off, step float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = off + float64(i)*step
	}
	return v
}

// stackedImage is image i of dir's stacked images.npy.
func stackedImage(t *testing.T, dir string, i int) []float32 {
	t.Helper()
	shape, data := readNpy(t, filepath.Join(dir, stackedName))
	if len(shape) != 4 || i >= shape[0] {
		t.Fatalf("%s: shape %v; want (N,C,H,W) with N > %d", dir, shape, i)
	}
	chw := shape[1] * shape[2] * shape[3]
	return data[i*chw : (i+1)*chw]
}

func sameImage(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if !approx.Check(t, what, got, want, 1e-6) {
		t.FailNow()
	}
}

// --latents generates one image per row, exactly as infer does for those
// latents; --direction adds strength times the direction to each latent,
// seeded or given; the manifest keeps seeds only where there are seeds.
func TestLatentsAndDirection(t *testing.T) {
	needLibrary(t)
	dir := t.TempDir()
	zs := filepath.Join(dir, "z.npy")
	saveNpy(t, zs, "<f4", []int{3, 8}, ramp(24, -1, 0.1))
	dvec := filepath.Join(dir, "d.npy")
	saveNpy(t, dvec, "<f8", []int{1, 8}, ramp(8, 0.5, -0.125))
	g, err := infer.Open(grayModel)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	rows, dv := make([][]float32, 3), make([]float32, 8)
	for i := range rows {
		for j := range 8 {
			rows[i] = append(rows[i], float32(-1+float64(i*8+j)*0.1))
		}
	}
	for j := range dv {
		dv[j] = float32(0.5 - float64(j)*0.125)
	}
	shift := func(z []float32, s float64) []float32 {
		out := make([]float32, len(z))
		for j := range z {
			out[j] = float32(float64(z[j]) + s*float64(dv[j]))
		}
		return out
	}

	out := filepath.Join(dir, "given")
	_, msg := mustRun(t, "--model", grayModel, "--latents", zs, "--format", "npy", "--out", out)
	if !strings.Contains(msg, "3 images") || !strings.Contains(msg, "the 3 latents of "+zs) {
		t.Errorf("stderr %q", msg)
	}
	ref, err := g.Generate(t.Context(), infer.Request{Latents: rows})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		sameImage(t, fmt.Sprintf("--latents image %d", i), stackedImage(t, out, i), ref.Tensor(i))
	}
	if l := readManifest(t, out); len(l) != 4 || l[1] != "0,," {
		t.Errorf("--latents manifest %q; want 3 rows without seeds", l)
	}

	out = filepath.Join(dir, "seeded")
	mustRun(t, "--model", grayModel, "-n", "2", "--seed", "5", "--direction", dvec, "--strength", "-2", "--format", "npy", "--out", out)
	ref, _ = g.Generate(t.Context(), infer.Request{Latents: [][]float32{
		shift(infer.Latent(5, 8, 0), -2), shift(infer.Latent(6, 8, 0), -2)}})
	for i := range 2 {
		sameImage(t, fmt.Sprintf("seed %d + direction", 5+i), stackedImage(t, out, i), ref.Tensor(i))
	}
	if l := readManifest(t, out); l[2] != "1,6," {
		t.Errorf("--direction manifest %q; want the seeds kept", l)
	}

	out = filepath.Join(dir, "both")
	mustRun(t, "--model", grayModel, "--latents", zs, "--direction", dvec, "--format", "npy", "--out", out, "--batch", "2")
	ref, _ = g.Generate(t.Context(), infer.Request{Latents: [][]float32{shift(rows[0], 1), shift(rows[1], 1), shift(rows[2], 1)}})
	for i := range 3 {
		sameImage(t, fmt.Sprintf("row %d + direction", i), stackedImage(t, out, i), ref.Tensor(i))
	}

	// --interpolate walks between consecutive rows: 2 legs of 4 steps plus
	// the last row.
	out = filepath.Join(dir, "walk")
	mustRun(t, "--model", grayModel, "--latents", zs, "--interpolate", "4", "--out", out)
	f, err := os.Open(filepath.Join(out, "interpolation.gif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anim, err := gif.DecodeAll(f)
	if err != nil || len(anim.Image) != 9 {
		t.Fatalf("gif: %v, %d frames; want 9", err, len(anim.Image))
	}
	last, _ := g.Generate(t.Context(), infer.Request{Latents: rows[2:]})
	px := last.Image(0)
	fr := anim.Image[8]
	for y := range 8 {
		for x := range 8 {
			r, _, _, _ := fr.At(x, y).RGBA()
			w, _, _, _ := px.At(x, y).RGBA()
			if r != w {
				t.Fatalf("the walk's last frame differs from the last row's image at (%d,%d)", x, y)
			}
		}
	}
}

func TestLatentsBadInput(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	saveNpy(t, path("z3.npy"), "<f4", []int{2, 3}, ramp(6, 0, 1))
	saveNpy(t, path("z8.npy"), "<f4", []int{2, 8}, ramp(16, 0, 1))
	saveNpy(t, path("one.npy"), "<f4", []int{8}, ramp(8, 0, 1))
	saveNpy(t, path("d3.npy"), "<f4", []int{1, 3}, ramp(3, 0, 1))
	saveNpy(t, path("cube.npy"), "<f4", []int{2, 2, 2}, ramp(8, 0, 1))
	saveNpy(t, path("nan.npy"), "<f4", []int{1, 8}, append(ramp(7, 0, 1), math.NaN()))
	saveNpy(t, path("empty.npy"), "<f4", []int{0, 8}, nil)
	os.WriteFile(path("text.npy"), []byte("0.1 0.2 0.3\n"), 0o644)
	b, _ := os.ReadFile(path("z8.npy"))
	os.WriteFile(path("short.npy"), b[:len(b)-5], 0o644)
	os.WriteFile(path("ints.npy"), bytes.Replace(b, []byte("<f4"), []byte("<i4"), 1), 0o644)
	out := path("out")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--latents", path("none.npy"), "--out", out}, "none.npy: no such file"},
		{[]string{"--latents", path("text.npy"), "--out", out}, "not a NumPy .npy file"},
		{[]string{"--latents", path("short.npy"), "--out", out}, "truncated"},
		{[]string{"--latents", path("ints.npy"), "--out", out}, "dtype <i4"},
		{[]string{"--latents", path("cube.npy"), "--out", out}, "shape [2 2 2]; want (N, z_dim)"},
		{[]string{"--latents", path("empty.npy"), "--out", out}, "want (N, z_dim)"},
		{[]string{"--latents", path("nan.npy"), "--out", out}, "row 0 holds NaN"},
		{[]string{"--latents", path("z3.npy"), "--out", out}, "latents of 3 values; model " + grayModel + " takes z_dim 8"},
		{[]string{"--latents", path("z8.npy"), "-n", "2", "--out", out}, "--n does not apply to --latents"},
		{[]string{"--latents", path("z8.npy"), "--seed", "3", "--out", out}, "--seed does not apply"},
		{[]string{"--latents", path("z8.npy"), "--truncation", "0.7", "--out", out}, "--truncation does not apply"},
		{[]string{"--latents", path("one.npy"), "--interpolate", "3", "--out", out}, "has 1 row"},
		{[]string{"--direction", path("z8.npy"), "--out", out}, "has 2 rows; want one direction"},
		{[]string{"--direction", path("z3.npy"), "--out", out}, "has 2 rows"},
		{[]string{"--direction", path("d3.npy"), "--out", out}, "has 3 values; model " + grayModel + " takes z_dim 8"},
		{[]string{"--direction", path("one.npy"), "--strength", "nan", "--out", out}, "--strength NaN"},
		{[]string{"--strength", "2", "--out", out}, "--strength applies to --direction"},
	}
	needLib := func(c []string) bool { return strings.Contains(c[len(c)-3], "3.npy") }
	_, _, err := infer.RuntimeVersion("")
	haveLib := testenv.HaveRuntime(t, err)
	for _, c := range cases {
		if needLib(c.args) && !haveLib {
			continue // the z_dim check needs the model open
		}
		args := append([]string{"--model", grayModel}, c.args...)
		code, _, msg := runCLI(t, args...)
		if code != 2 || !strings.Contains(msg, c.want) || strings.Contains(msg, "goroutine ") {
			t.Errorf("gan-gen %v: exit %d, stderr %q; want exit 2 mentioning %q", args, code, msg, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused run created --out")
	}
}
