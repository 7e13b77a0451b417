package data

import "fmt"

// Dataset is a fixed, indexable set of images of one shape, optionally labelled.
// Implementations must allow concurrent calls to Image and Label.
type Dataset interface {
	// Name identifies the data in logs, configs and exports ("mnist", or see LoadFolder).
	Name() string
	// Len is the number of images.
	Len() int
	// Shape is the (C,H,W) shape of every image.
	Shape() (c, h, w int)
	// NumClasses is the number of classes, 0 when the data is unlabelled.
	NumClasses() int
	// ClassNames names the classes in label order; nil when unlabelled.
	ClassNames() []string
	// Image copies image i into dst (length C*H*W, layout (C,H,W)) with values in [-1,1].
	Image(i int, dst []float32)
	// Label is the class of image i in [0, NumClasses()), or -1 when unlabelled.
	Label(i int) int
}

// pixelScale maps a byte v to v/127.5-1, so 0 -> -1 and 255 -> 1; a table keeps
// Image a plain copy and makes every dataset convert identically.
var pixelScale = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(float64(v)/127.5 - 1)
	}
	return t
}()

// Images is a Dataset held in memory as uint8 pixels, (N,C,H,W), converted to
// float32 on each Image call: a quarter of the memory of a float32 cache.
// LoadMNIST and LoadFolder return one; NewImages builds one from raw pixels.
type Images struct {
	name    string
	c, h, w int
	pix     []uint8
	labels  []int32 // nil when unlabelled
	classes []string
	report  *FolderReport // nil unless loaded from files
}

// NewImages wraps pix, n images of shape (C,H,W) laid out (N,C,H,W), as a Dataset.
// labels is nil for unlabelled data, else one label per image in [0, len(classes)).
// The slices are kept, not copied. Inconsistent arguments are programmer errors and panic.
func NewImages(name string, c, h, w int, pix []uint8, labels []int, classes []string) *Images {
	if c <= 0 || h <= 0 || w <= 0 {
		panic(fmt.Sprintf("data: NewImages: bad shape (%d,%d,%d)", c, h, w))
	}
	per := c * h * w
	if len(pix)%per != 0 {
		panic(fmt.Sprintf("data: NewImages: %d pixels is not a whole number of (%d,%d,%d) images", len(pix), c, h, w))
	}
	d := &Images{name: name, c: c, h: h, w: w, pix: pix}
	if labels == nil {
		if len(classes) != 0 {
			panic("data: NewImages: class names without labels")
		}
		return d
	}
	d.setLabels(labels, classes)
	return d
}

// setLabels checks and keeps one label per image in [0, len(classes)).
func (d *Images) setLabels(labels []int, classes []string) {
	n := d.Len()
	if len(labels) != n {
		panic(fmt.Sprintf("data: NewImages: %d labels for %d images", len(labels), n))
	}
	if len(classes) == 0 {
		panic("data: NewImages: labels without class names")
	}
	d.labels = make([]int32, n)
	for i, l := range labels {
		if l < 0 || l >= len(classes) {
			panic(fmt.Sprintf("data: NewImages: label %d of image %d outside [0,%d)", l, i, len(classes)))
		}
		d.labels[i] = int32(l)
	}
	d.classes = classes
}

// Report says what LoadFolder or LoadFiles read; nil for other datasets.
func (d *Images) Report() *FolderReport { return d.report }

// Name implements Dataset.
func (d *Images) Name() string { return d.name }

// Len implements Dataset.
func (d *Images) Len() int { return len(d.pix) / (d.c * d.h * d.w) }

// Shape implements Dataset.
func (d *Images) Shape() (c, h, w int) { return d.c, d.h, d.w }

// NumClasses implements Dataset.
func (d *Images) NumClasses() int { return len(d.classes) }

// ClassNames implements Dataset. The caller must not modify the result.
func (d *Images) ClassNames() []string { return d.classes }

// Pix returns image i's bytes, (C,H,W), without copying; the caller must not modify them.
func (d *Images) Pix(i int) []uint8 {
	per := d.c * d.h * d.w
	return d.pix[i*per : (i+1)*per : (i+1)*per]
}

// Image implements Dataset.
func (d *Images) Image(i int, dst []float32) {
	src := d.Pix(i)
	if len(dst) != len(src) {
		panic(fmt.Sprintf("data: Image: dst has %d values, want %d for (%d,%d,%d)", len(dst), len(src), d.c, d.h, d.w))
	}
	for j, v := range src {
		dst[j] = pixelScale[v]
	}
}

// Label implements Dataset.
func (d *Images) Label(i int) int {
	if d.labels == nil {
		return -1
	}
	return int(d.labels[i])
}
