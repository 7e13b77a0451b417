package data

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hidden is a w x h RGBA image whose left half is fully transparent but
// stores red, as emoji PNGs store colours under their transparent pixels,
// whose right half is opaque green, and whose top-right pixel is green at
// alpha 102 (40%).
func hidden(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{255, 0, 0, 0}
			if x >= w/2 {
				c = color.NRGBA{0, 200, 0, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	img.SetNRGBA(w-1, 0, color.NRGBA{0, 200, 0, 102})
	return img
}

// hiddenPalette is a paletted w x h image, left half the transparent
// palette entry that stores blue, right half opaque white.
func hiddenPalette(w, h int) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.NRGBA{0, 0, 255, 0}, color.NRGBA{255, 255, 255, 255}})
	for y := range h {
		for x := w / 2; x < w; x++ {
			img.SetColorIndex(x, y, 1)
		}
	}
	return img
}

// px returns channel ch of pixel (x,y) of image i.
func px(ds *Images, i, ch, x, y int) uint8 {
	_, h, w := ds.Shape()
	return ds.Pix(i)[ch*h*w+y*w+x]
}

// Transparent pixels are composited over the background, never shown with
// the colour stored under them; --background none keeps the old reading.
func TestLoadFolderTransparency(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a-rgba.png"), hidden(8, 8))
	writeImage(t, filepath.Join(dir, "b-palette.png"), hiddenPalette(8, 8))
	cases := []struct {
		bg        string
		r, g, b   uint8 // a transparent pixel
		edgeGreen uint8 // the 40% green pixel: 200*0.4 + bg*0.6
	}{
		{"black", 0, 0, 0, 80},
		{"white", 255, 255, 255, 233},
		{"#102030", 16, 32, 48, 99},
		{"none", 255, 0, 0, 200}, // the hidden red, as before compositing
	}
	for _, c := range cases {
		bg, err := ParseBackground(c.bg)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := LoadFolder(dir, FolderOptions{Size: 8, Background: bg, Warn: noWarn(t)})
		if err != nil {
			t.Fatal(err)
		}
		for ch, want := range []uint8{c.r, c.g, c.b} {
			if got := px(ds, 0, ch, 1, 3); got != want {
				t.Errorf("%s: rgba transparent pixel channel %d = %d, want %d", c.bg, ch, got, want)
			}
		}
		if got := px(ds, 0, 1, 7, 0); got != c.edgeGreen {
			t.Errorf("%s: 40%% green = %d, want %d", c.bg, got, c.edgeGreen)
		}
		if got := px(ds, 0, 1, 6, 0); got != 200 {
			t.Errorf("%s: opaque green = %d, want 200 unchanged", c.bg, got)
		}
		wantPal := []uint8{c.r, c.g, c.b}
		if c.bg == "none" {
			wantPal = []uint8{0, 0, 255} // the palette entry's hidden blue
		}
		for ch, want := range wantPal {
			if got := px(ds, 1, ch, 0, 5); got != want {
				t.Errorf("%s: palette transparent pixel channel %d = %d, want %d", c.bg, ch, got, want)
			}
		}
		if r := ds.Report(); r.Transparent != 2 || r.Background != c.bg {
			t.Errorf("%s: report says %d transparent over %q", c.bg, r.Transparent, r.Background)
		}
	}

	// Resampling weighs colours by alpha, so the hidden red does not bleed
	// into the green half when the image is shrunk, nor into the gray.
	ds, err := LoadFolder(dir, FolderOptions{Size: 4, Warn: noWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	checkPlane(t, ds, 0, 0, 0, 0, "shrunk rgba, red")
	for k := range 16 { // white blurs into black as gray: blue no higher than red
		if r, b := px(ds, 1, 0, k%4, k/4), px(ds, 1, 2, k%4, k/4); int(b) > int(r)+1 {
			t.Errorf("shrunk palette over black: pixel %d has red %d, blue %d: the hidden blue bled in", k, r, b)
		}
	}
	gray, err := LoadFolder(dir, FolderOptions{Size: 8, Channels: 1, Background: White, Warn: noWarn(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got := px(gray, 0, 0, 0, 0); got != 255 {
		t.Errorf("gray over white: transparent pixel %d, want 255", got)
	}
}

func TestParseBackground(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Background
		str  string
	}{
		{"black", Black, "black"}, {"White", White, "white"}, {" #FF8000", Background{R: 255, G: 128}, "#ff8000"},
		{"#000000", Black, "black"}, {"none", Background{Ignore: true}, "none"},
	} {
		got, err := ParseBackground(c.in)
		if err != nil || got != c.want || got.String() != c.str {
			t.Errorf("ParseBackground(%q) = %+v %q, %v; want %+v %q", c.in, got, got.String(), err, c.want, c.str)
		}
	}
	for _, bad := range []string{"", "grey", "#12345", "#1234567", "#gg0000", "0xffffff"} {
		if _, err := ParseBackground(bad); err == nil || !strings.Contains(err.Error(), "#rrggbb") {
			t.Errorf("ParseBackground(%q): error %v, want one listing the forms", bad, err)
		}
	}
}

// The report counts formats, colour types, transparency, resizing and
// skipped files by reason, and survives a JSON round trip.
func TestFolderReport(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "cats", "a.png"), hidden(8, 8))
	writeImage(t, filepath.Join(dir, "cats", "b.png"), hiddenPalette(8, 8))
	writeImage(t, filepath.Join(dir, "cats", "c.png"), solid(8, 8, color.NRGBA{1, 2, 3, 255}))
	writeImage(t, filepath.Join(dir, "dogs", "d.jpg"), noiseRGBA(12, 8))
	writeImage(t, filepath.Join(dir, "dogs", "e.gif"), solid(16, 16, color.NRGBA{9, 9, 9, 255}))
	write(t, filepath.Join(dir, "dogs", "f.png"), []byte("junk"))
	var warns []string
	ds, err := LoadFolder(dir, FolderOptions{Size: 8, Warn: func(m string) { warns = append(warns, m) }})
	if err != nil {
		t.Fatal(err)
	}
	r := ds.Report()
	want := &FolderReport{Name: ds.Name(), Hash: r.Hash, Images: 5,
		Formats:     map[string]int{"png": 3, "jpeg": 1, "gif": 1},
		ColorTypes:  map[string]int{"png rgba": 1, "png palette": 2, "jpeg ycbcr": 1, "gif palette": 1},
		Transparent: 2, Background: "black", Size: 8, Channels: 3, Resized: 2, Cropped: 1, Classes: 2,
		Skipped: map[string]int{SkipUndecodable: 1}}
	if fmt.Sprint(r) != fmt.Sprint(want) {
		t.Errorf("report\n%+v\nwant\n%+v", r, want)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "f.png") {
		t.Errorf("warnings %q", warns)
	}
	sum := r.Summary()
	for _, part := range []string{ds.Name() + ": ", "gif 1 (palette 1), jpeg 1 (ycbcr 1), png 3 (palette 2, rgba 1)",
		"2 with transparency, composited over black", "2 resized to 8x8 (1 center-cropped to square)", "2 classes", "1 skipped (1 not a decodable image)"} {
		if !strings.Contains(sum, part) {
			t.Errorf("summary lacks %q:\n%s", part, sum)
		}
	}
	b, _ := json.Marshal(r)
	var back FolderReport
	if err := json.Unmarshal(b, &back); err != nil || fmt.Sprint(&back) != fmt.Sprint(r) {
		t.Errorf("JSON round trip: %v\n%s", err, b)
	}
}

// noiseRGBA is an opaque RGBA image (JPEG stores it as YCbCr).
func noiseRGBA(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

// A folder is named by its last two path elements, its image count and a
// hash of its content, which follows the files' bytes and names but not
// the loading options; Name overrides it.
func TestFolderName(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "img", "google", "64")
	for i := range 3 {
		writeImage(t, filepath.Join(dir, fmt.Sprintf("%d.png", i)), solid(4, 4, color.NRGBA{uint8(i), 0, 0, 255}))
	}
	load := func(opt FolderOptions) *Images {
		t.Helper()
		opt.Warn = noWarn(t)
		ds, err := LoadFolder(dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	a := load(FolderOptions{Size: 4})
	if !strings.HasPrefix(a.Name(), "google/64 (3 images, ") || len(a.Name()) != len("google/64 (3 images, 12345678)") ||
		strings.Contains(a.Name(), root) || !strings.HasPrefix(a.Report().Hash, a.Name()[21:29]) {
		t.Errorf("name %q, hash %s", a.Name(), a.Report().Hash)
	}
	if b := load(FolderOptions{Size: 8, Channels: 1, Workers: 3, Background: White}); b.Name() != a.Name() {
		t.Errorf("other options changed the name: %q vs %q", b.Name(), a.Name())
	}
	if b := load(FolderOptions{Name: "my emoji"}); b.Name() != "my emoji" || b.Report().Name != "my emoji" {
		t.Errorf("Name option: %q", b.Name())
	}
	writeImage(t, filepath.Join(dir, "1.png"), solid(4, 4, color.NRGBA{1, 0, 1, 255}))
	if b := load(FolderOptions{Size: 4}); b.Name() == a.Name() {
		t.Errorf("changed content kept the name %q", b.Name())
	}
	os.Rename(filepath.Join(dir, "1.png"), filepath.Join(dir, "9.png"))
	c := load(FolderOptions{Size: 4})
	os.Rename(filepath.Join(dir, "9.png"), filepath.Join(dir, "1.png"))
	if d := load(FolderOptions{Size: 4}); c.Name() == d.Name() {
		t.Errorf("renaming a file kept the name %q", c.Name())
	}
}

// LoadFiles decodes given files in order through the same decoder, and
// reports the first failure as a *FileError with its reason.
func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "z.png"), filepath.Join(dir, "a.png")
	writeImage(t, a, hidden(8, 8))
	writeImage(t, b, solid(3, 3, color.NRGBA{10, 20, 30, 255}))
	ds, err := LoadFiles([]string{a, b}, FolderOptions{Size: 8, Background: White})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 2 || ds.Name() != "2 files" || px(ds, 0, 0, 0, 0) != 255 || px(ds, 1, 2, 4, 4) != 30 {
		t.Errorf("LoadFiles: %d images named %q, pixels %d %d", ds.Len(), ds.Name(), px(ds, 0, 0, 0, 0), px(ds, 1, 2, 4, 4))
	}
	junk := filepath.Join(dir, "junk.png")
	write(t, junk, []byte("junk"))
	for _, c := range []struct {
		path, reason string
	}{{filepath.Join(dir, "nope.png"), SkipUnreadable}, {junk, SkipUndecodable}} {
		_, err := LoadFiles([]string{a, c.path}, FolderOptions{Size: 8})
		fe, ok := err.(*FileError)
		if !ok || fe.Path != c.path || fe.Reason != c.reason || !strings.HasPrefix(err.Error(), c.path+": ") {
			t.Errorf("LoadFiles(%s): error %v, want a FileError for it (%s)", c.path, err, c.reason)
		}
	}
}
