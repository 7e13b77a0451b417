package infer

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"image/jpeg"
	"image/png"
	"math"
	"strconv"

	"github.com/gogan/gan/internal/npy"
)

// Encoder appends image i of a batch, encoded, to dst. An Encoder keeps
// scratch buffers between calls, so each encoding goroutine makes its own.
type Encoder func(dst []byte, b *Batch, i int) ([]byte, error)

// EncoderFor returns a maker of Encoders for format, "png" or "jpeg" (JPEG
// at quality 1-100), and the file extension ("png", "jpg"). Gray PNGs go
// through AppendGrayPNG, RGB ones through image/png; the bytes for an image
// depend only on its pixels, so every caller (gan-gen, the service) writes
// the same file for the same image.
func EncoderFor(format string, quality int) (newEncoder func() Encoder, ext string, err error) {
	switch format {
	case "png":
	case "jpeg", "jpg":
		if quality < 1 || quality > 100 {
			return nil, "", fmt.Errorf("infer: JPEG quality %d: want 1-100", quality)
		}
		opt := &jpeg.Options{Quality: quality}
		return func() Encoder {
			return func(dst []byte, b *Batch, i int) ([]byte, error) {
				w := bytes.NewBuffer(dst)
				err := jpeg.Encode(w, b.Image(i), opt)
				return w.Bytes(), err
			}
		}, "jpg", nil
	default:
		return nil, "", fmt.Errorf("infer: image format %q: want png or jpeg", format)
	}
	return func() Encoder {
		var pix, scratch []byte
		enc := &png.Encoder{BufferPool: &pngBuffer{}}
		return func(dst []byte, b *Batch, i int) ([]byte, error) {
			if b.Shape[1] == 1 {
				pix = b.AppendPixels(pix[:0], i)
				dst, scratch = AppendGrayPNG(dst, scratch, pix, b.Shape[3], b.Shape[2])
				return dst, nil
			}
			w := bytes.NewBuffer(dst)
			err := enc.Encode(w, b.Image(i))
			return w.Bytes(), err
		}
	}, "png", nil
}

// pngBuffer lets one encoder reuse image/png's compression state.
type pngBuffer struct{ b *png.EncoderBuffer }

func (p *pngBuffer) Get() *png.EncoderBuffer  { return p.b }
func (p *pngBuffer) Put(b *png.EncoderBuffer) { p.b = b }

// FileName is image i's name in a run of n images: zero-padded to six
// digits, or more when n needs them, so names sort in index order.
func FileName(i, n int, ext string) string {
	width := max(6, len(strconv.Itoa(n-1)))
	return fmt.Sprintf("%0*d.%s", width, i, ext)
}

// NpyHeader is the .npy (format 1.0) header of a little-endian float32
// C-order array of shape (N,C,H,W): magic, length and a Python dict literal
// padded so that the data starts on a 64-byte boundary (internal/npy's).
// The data follows as AppendFloat32s writes it.
func NpyHeader(shape [4]int) []byte { return npy.Header(shape[:]) }

// AppendFloat32s appends data to dst as little-endian float32s, the body of
// a .npy array.
func AppendFloat32s(dst []byte, data []float32) []byte {
	for _, v := range data {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
	}
	return dst
}

// ManifestName is the manifest's file name in a folder or tar of images.
const ManifestName = "manifest.csv"

// Manifest lists a run's images as CSV: file (or index), seed and label,
// the seed empty for an image made from a given latent and the label empty
// for an unconditional model.
type Manifest struct {
	buf bytes.Buffer
	w   *csv.Writer
}

// NewManifest starts a manifest whose first column is first: "file" for
// image files, "index" for the images of a stacked .npy.
func NewManifest(first string) *Manifest {
	m := &Manifest{}
	m.w = csv.NewWriter(&m.buf)
	m.w.Write([]string{first, "seed", "label"})
	return m
}

// Add lists an image made from seed; label -1 means none.
func (m *Manifest) Add(file string, seed uint64, label int) {
	m.w.Write([]string{file, strconv.FormatUint(seed, 10), labelField(label)})
}

// AddRow lists an image made from a given latent, which has no seed.
func (m *Manifest) AddRow(file string, label int) {
	m.w.Write([]string{file, "", labelField(label)})
}

// AddBatch lists images 0..b.Len()-1 of b under names, with their seeds
// (when b has them) and labels.
func (m *Manifest) AddBatch(b *Batch, names []string) {
	for i, name := range names {
		label := -1
		if b.Labels != nil {
			label = b.Labels[i]
		}
		if b.Seeds == nil {
			m.AddRow(name, label)
			continue
		}
		m.Add(name, b.Seeds[i], label)
	}
}

func labelField(label int) string {
	if label < 0 {
		return ""
	}
	return strconv.Itoa(label)
}

// Bytes returns the manifest so far.
func (m *Manifest) Bytes() []byte {
	m.w.Flush()
	return m.buf.Bytes()
}
