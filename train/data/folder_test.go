package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// encode renders img in the format named by path's extension.
func encode(t *testing.T, path string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		err = png.Encode(&buf, img)
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100})
	case ".gif":
		err = gif.Encode(&buf, img, nil)
	case ".bmp":
		err = bmp.Encode(&buf, img)
	case ".tif", ".tiff":
		err = tiff.Encode(&buf, img, nil)
	default:
		t.Fatalf("no encoder for %s", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeImage(t *testing.T, path string, img image.Image) {
	t.Helper()
	write(t, path, encode(t, path, img))
}

// solid is a w x h image of one colour, paletted so that GIF keeps the colour exactly.
func solid(w, h int, c color.NRGBA) image.Image {
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, c})
	for i := range img.Pix {
		img.Pix[i] = 1
	}
	return img
}

// noise is a w x h image of random colours.
func noise(rng *rand.Rand, w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

// checkPlane fails unless channel ch of image i of ds is value everywhere, within tol.
func checkPlane(t *testing.T, ds *Images, i, ch int, value uint8, tol int, what string) {
	t.Helper()
	_, h, w := ds.Shape()
	for k, v := range ds.Pix(i)[ch*h*w : (ch+1)*h*w] {
		if d := int(v) - int(value); d < -tol || d > tol {
			t.Fatalf("%s: channel %d pixel %d = %d, want %d±%d", what, ch, k, v, value, tol)
		}
	}
}

func noWarn(t *testing.T) func(string) {
	return func(msg string) { t.Errorf("unexpected warning: %s", msg) }
}

func TestLoadFolderFormats(t *testing.T) {
	dir := t.TempDir()
	files := []struct {
		name string
		tol  int
	}{{"a.png", 0}, {"b.JPG", 3}, {"c.jpeg", 3}, {"d.gif", 0}, {"e.BMP", 0}, {"f.tiff", 0}, {"g.TIF", 0}}
	colors := make([]color.NRGBA, len(files))
	for i, f := range files {
		colors[i] = color.NRGBA{uint8(40 + 30*i), uint8(200 - 25*i), uint8(17 * i), 255}
		writeImage(t, filepath.Join(dir, f.name), solid(13+i, 11, colors[i]))
	}
	write(t, filepath.Join(dir, "notes.txt"), []byte("not an image"))
	write(t, filepath.Join(dir, ".hidden.png"), []byte("skipped silently: hidden"))
	write(t, filepath.Join(dir, ".git", "x.png"), []byte("skipped silently: hidden folder"))

	ds, err := LoadFolder(dir, FolderOptions{Size: 6, Warn: noWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if c, h, w := ds.Shape(); ds.Len() != len(files) || c != 3 || h != 6 || w != 6 {
		t.Fatalf("got %d images of (%d,%d,%d), want %d of (3,6,6)", ds.Len(), c, h, w, len(files))
	}
	if ds.NumClasses() != 0 || ds.ClassNames() != nil || ds.Label(0) != -1 {
		t.Errorf("root-level files should be unlabelled, got %d classes, label %d", ds.NumClasses(), ds.Label(0))
	}
	if want := filepath.Base(filepath.Dir(dir)) + "/" + filepath.Base(dir) + " (7 images, "; !strings.HasPrefix(ds.Name(), want) {
		t.Errorf("name %q, want it to start with %q", ds.Name(), want)
	}
	for i, f := range files { // the names sort in this order
		checkPlane(t, ds, i, 0, colors[i].R, f.tol, f.name)
		checkPlane(t, ds, i, 1, colors[i].G, f.tol, f.name)
		checkPlane(t, ds, i, 2, colors[i].B, f.tol, f.name)
	}
	img := make([]float32, 3*6*6)
	ds.Image(0, img)
	if want := float32(float64(colors[0].G)/127.5 - 1); img[36] != want {
		t.Errorf("Image: green of a.png = %v, want %v", img[36], want)
	}
}

func TestLoadFolderGray(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "c.png"), solid(9, 9, color.NRGBA{200, 100, 50, 255}))
	writeImage(t, filepath.Join(dir, "g.png"), solid(9, 9, color.NRGBA{77, 77, 77, 255}))
	ds, err := LoadFolder(dir, FolderOptions{Size: 5, Channels: 1, Warn: noWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if c, h, w := ds.Shape(); c != 1 || h != 5 || w != 5 || len(ds.Pix(0)) != 25 {
		t.Fatalf("shape (%d,%d,%d), %d bytes per image; want (1,5,5)", c, h, w, len(ds.Pix(0)))
	}
	// PIL's convert("L") of (200,100,50) is 124; a gray source stays itself.
	checkPlane(t, ds, 0, 0, 124, 0, "colour to luma")
	checkPlane(t, ds, 1, 0, 77, 0, "gray")
}

// thirds is a w x h image split into red, green and blue thirds along its long side.
func thirds(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rgb := []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}}
	for y := range h {
		for x := range w {
			third := 3 * x / w
			if h > w {
				third = 3 * y / h
			}
			img.SetNRGBA(x, y, rgb[third])
		}
	}
	return img
}

func TestLoadFolderCropResize(t *testing.T) {
	// A squash would mix in red and blue; a center crop keeps only the green third.
	// imaging takes different paths for sources under and over 100 pixels.
	for _, sz := range [][2]int{{90, 10}, {10, 90}, {300, 100}, {100, 300}} {
		dir := t.TempDir()
		writeImage(t, filepath.Join(dir, "x.png"), thirds(sz[0], sz[1]))
		ds, err := LoadFolder(dir, FolderOptions{Size: 4, Warn: noWarn(t)})
		if err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("%dx%d", sz[0], sz[1])
		checkPlane(t, ds, 0, 0, 0, 1, what)
		checkPlane(t, ds, 0, 1, 255, 1, what)
		checkPlane(t, ds, 0, 2, 0, 1, what)
	}
	// Upscaling a small image works too.
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "tiny.png"), solid(2, 3, color.NRGBA{9, 99, 199, 255}))
	ds, err := LoadFolder(dir, FolderOptions{Size: 32, Warn: noWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, h, w := ds.Shape(); h != 32 || w != 32 {
		t.Fatalf("upscaled to %dx%d, want 32x32", h, w)
	}
	checkPlane(t, ds, 0, 2, 199, 1, "upscaled")
}

func TestLoadFolderClasses(t *testing.T) {
	dir := t.TempDir()
	px := func(v uint8) image.Image { return solid(4, 4, color.NRGBA{v, v, v, 255}) }
	writeImage(t, filepath.Join(dir, "cats", "a.png"), px(10))
	writeImage(t, filepath.Join(dir, "cats", "b.png"), px(20))
	writeImage(t, filepath.Join(dir, "dogs", "deep", "c.png"), px(30))
	writeImage(t, filepath.Join(dir, "birds", "d.png"), px(40))
	ds, err := LoadFolder(dir, FolderOptions{Size: 4, Channels: 1, Warn: noWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.ClassNames(), []string{"birds", "cats", "dogs"}) || ds.NumClasses() != 3 {
		t.Fatalf("classes %v", ds.ClassNames())
	}
	// Sorted paths: birds/d, cats/a, cats/b, dogs/deep/c.
	for i, want := range []struct{ label, v int }{{0, 40}, {1, 10}, {1, 20}, {2, 30}} {
		if ds.Label(i) != want.label || int(ds.Pix(i)[0]) != want.v {
			t.Errorf("image %d: label %d value %d, want label %d value %d", i, ds.Label(i), ds.Pix(i)[0], want.label, want.v)
		}
	}

	// One file at the top level makes the whole folder unlabelled.
	writeImage(t, filepath.Join(dir, "loose.png"), px(50))
	ds, err = LoadFolder(dir, FolderOptions{Size: 4, Warn: noWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 5 || ds.NumClasses() != 0 || ds.Label(4) != -1 {
		t.Errorf("mixed layout: %d images, %d classes, label %d; want 5, 0, -1", ds.Len(), ds.NumClasses(), ds.Label(4))
	}

	// A single wrapping folder carries no label.
	one := t.TempDir()
	writeImage(t, filepath.Join(one, "img_align", "a.png"), px(1))
	writeImage(t, filepath.Join(one, "img_align", "b.png"), px(2))
	ds, err = LoadFolder(one, FolderOptions{Size: 4, Warn: noWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 2 || ds.NumClasses() != 0 {
		t.Errorf("single subfolder: %d images, %d classes; want 2, 0", ds.Len(), ds.NumClasses())
	}
}

func TestLoadFolderCorrupt(t *testing.T) {
	dir := t.TempDir()
	good := encode(t, "x.png", solid(5, 5, color.NRGBA{1, 2, 3, 255}))
	write(t, filepath.Join(dir, "a", "good.png"), good)
	write(t, filepath.Join(dir, "a", "text.png"), []byte("not an image at all"))
	write(t, filepath.Join(dir, "b", "empty.jpg"), nil)
	write(t, filepath.Join(dir, "b", "trunc.png"), good[:len(good)/2])
	write(t, filepath.Join(dir, "b", "zgood.png"), good)
	bad := []string{filepath.Join(dir, "a", "text.png"), filepath.Join(dir, "b", "empty.jpg"), filepath.Join(dir, "b", "trunc.png")}

	for _, workers := range []int{1, 3} {
		var warnings []string
		ds, err := LoadFolder(dir, FolderOptions{Size: 4, Workers: workers, Warn: func(m string) { warnings = append(warnings, m) }})
		if err != nil {
			t.Fatal(err)
		}
		if ds.Len() != 2 || ds.NumClasses() != 2 || ds.Label(0) != 0 || ds.Label(1) != 1 {
			t.Errorf("kept %d images, labels %d %d; want 2 with labels 0 1", ds.Len(), ds.Label(0), ds.Label(1))
		}
		if len(warnings) != len(bad) {
			t.Fatalf("%d warnings, want %d: %q", len(warnings), len(bad), warnings)
		}
		for i, w := range warnings { // sorted: a/text, b/empty, b/trunc
			if !strings.Contains(w, bad[i]) {
				t.Errorf("warning %q does not name %s", w, bad[i])
			}
		}
		_, err = LoadFolder(dir, FolderOptions{Size: 4, Workers: workers, Strict: true, Warn: noWarn(t)})
		if err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("strict, %d workers: error %v should name %s", workers, err, bad[0])
		}
	}
}

func TestLoadFolderErrors(t *testing.T) {
	empty := t.TempDir()
	textOnly := t.TempDir()
	write(t, filepath.Join(textOnly, "sub", "readme.txt"), []byte("hi"))
	allBad := t.TempDir()
	write(t, filepath.Join(allBad, "x.png"), []byte("garbage"))
	file := filepath.Join(textOnly, "sub", "readme.txt")
	missing := filepath.Join(empty, "nope")
	cases := []struct {
		dir  string
		opt  FolderOptions
		want string
	}{
		{empty, FolderOptions{}, "no images in " + empty},
		{textOnly, FolderOptions{}, "no images in " + textOnly},
		{allBad, FolderOptions{Warn: func(string) {}}, "none of the 1 image files in " + allBad + " could be decoded"},
		{missing, FolderOptions{}, "image folder " + missing + " does not exist"},
		{file, FolderOptions{}, file + " is a file"},
		{empty, FolderOptions{Channels: 2}, "2 channels"},
	}
	for _, c := range cases {
		_, err := LoadFolder(c.dir, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadFolder(%s): error %v, want one containing %q", c.dir, err, c.want)
		}
	}
}

func TestLoadFolderMaxBytes(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		writeImage(t, filepath.Join(dir, fmt.Sprintf("%d.png", i)), solid(4, 4, color.NRGBA{1, 1, 1, 255}))
	}
	// 3 images of 3x16x16 bytes = 2304 bytes.
	_, err := LoadFolder(dir, FolderOptions{Size: 16, MaxBytes: 2000})
	if err == nil || !strings.Contains(err.Error(), "2304 bytes") || !strings.Contains(err.Error(), "--image-size") {
		t.Errorf("over the limit: error %v should give the estimate and suggest --image-size", err)
	}
	if _, err := LoadFolder(dir, FolderOptions{Size: 16, MaxBytes: 2304, Warn: noWarn(t)}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := LoadFolder(dir, FolderOptions{Size: 16, MaxBytes: -1, Warn: noWarn(t)}); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

func TestLoadFolderWorkersAgree(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	exts := []string{".png", ".jpg", ".bmp", ".gif", ".tif"}
	for i := range 24 {
		name := filepath.Join(dir, fmt.Sprintf("class%d", i%3), fmt.Sprintf("img%02d%s", i, exts[i%len(exts)]))
		writeImage(t, name, noise(rng, 5+rng.IntN(40), 5+rng.IntN(40)))
	}
	write(t, filepath.Join(dir, "class1", "img99.png"), []byte("corrupt"))
	load := func(workers int) (*Images, []string) {
		var warnings []string
		ds, err := LoadFolder(dir, FolderOptions{Size: 12, Workers: workers, Warn: func(m string) { warnings = append(warnings, m) }})
		if err != nil {
			t.Fatal(err)
		}
		return ds, warnings
	}
	ref, refWarn := load(1)
	if ref.Len() != 24 || ref.NumClasses() != 3 || len(refWarn) != 1 {
		t.Fatalf("%d images, %d classes, %d warnings; want 24, 3, 1", ref.Len(), ref.NumClasses(), len(refWarn))
	}
	for _, workers := range []int{2, 5, 32} {
		ds, warn := load(workers)
		if !bytes.Equal(ds.pix, ref.pix) || !slices.Equal(ds.labels, ref.labels) || !slices.Equal(warn, refWarn) {
			t.Errorf("%d workers differ from 1 worker", workers)
		}
	}
}

func TestLuma(t *testing.T) {
	for _, c := range []struct{ r, g, b, want uint8 }{
		{0, 0, 0, 0}, {255, 255, 255, 255}, {255, 0, 0, 76}, {0, 255, 0, 150}, {0, 0, 255, 29}, {200, 100, 50, 124},
	} {
		if got := luma(c.r, c.g, c.b); got != c.want {
			t.Errorf("luma(%d,%d,%d) = %d, want %d", c.r, c.g, c.b, got, c.want)
		}
	}
	for v := range 256 {
		if got := luma(uint8(v), uint8(v), uint8(v)); got != uint8(v) {
			t.Fatalf("gray %d -> %d", v, got)
		}
	}
}
