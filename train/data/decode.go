package data

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"sync"
	"sync/atomic"

	"github.com/disintegration/imaging"

	// The decoders the loaders accept; imaging registers them too, listed
	// here so that the set of formats is visible where files are decoded.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// maxSourcePixels rejects images whose header announces more pixels than any
// photo we would train on (33.5 megapixels, e.g. 8192x4096), before the
// decoder allocates them, so a corrupt header or a decompression bomb cannot
// exhaust memory: decoding one image holds at most about 12 bytes per pixel
// (a 16-bit RGBA decode and its 8-bit copy), 400 MB, per worker.
const maxSourcePixels = 1 << 25

// Why a file was skipped, as FileError.Reason and FolderReport.Skipped say.
const (
	SkipUnreadable  = "unreadable"            // the file could not be read
	SkipUndecodable = "not a decodable image" // unknown format or corrupt data
	SkipTooLarge    = "over the pixel limit"  // the header announces > 2^25 pixels
	SkipEmpty       = "empty image"           // zero width or height
)

// FileError is an image file that could not be loaded, and why.
type FileError struct {
	Path   string
	Reason string // one of the Skip constants
	Err    error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// fileInfo is what decoding one file learnt about it.
type fileInfo struct {
	format, color string // "png", "rgba"
	w, h          int    // source size
	transparent   bool   // some pixel is not fully opaque
	sum           [sha256.Size]byte
}

// decodeAll decodes paths into consecutive slots of pix on opt.Workers
// goroutines and returns what it learnt of each file and one error per file
// (nil where it decoded). Workers claim files in increasing order, so in
// strict mode, once a failure is seen, every earlier file has been claimed and
// finishes: the first failure reported is the same on any number of workers.
func decodeAll(paths []string, pix []uint8, opt FolderOptions) ([]fileInfo, []error) {
	per := opt.Size * opt.Size * opt.Channels
	infos := make([]fileInfo, len(paths))
	errs := make([]error, len(paths))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(opt.Workers, len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) || (opt.Strict && failed.Load()) {
					return
				}
				infos[i], errs[i] = decodeFile(paths[i], opt, pix[i*per:(i+1)*per])
				if errs[i] != nil {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return infos, errs
}

// decodeFile decodes the image at path, center-crops and resizes it to
// (Size,Size), composites it over opt.Background and writes it to dst as
// (C,H,W) bytes, C = opt.Channels. Errors are *FileError.
func decodeFile(path string, opt FolderOptions, dst []uint8) (fileInfo, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return fileInfo{}, &FileError{Path: path, Reason: SkipUnreadable, Err: unwrapPath(err)}
	}
	info, reason, err := decodeBytes(buf, opt, dst, maxSourcePixels)
	if err != nil {
		return info, &FileError{Path: path, Reason: reason, Err: err}
	}
	return info, nil
}

// decodeImage decodes one file's bytes to (channels,size,size) over black,
// refusing images of more than maxPixels pixels before decoding them.
func decodeImage(buf []byte, size, channels int, dst []uint8, maxPixels int64) error {
	_, _, err := decodeBytes(buf, FolderOptions{Size: size, Channels: channels}, dst, maxPixels)
	return err
}

// decodeBytes is decodeFile on the file's bytes; a failure comes with its
// Skip reason.
func decodeBytes(buf []byte, opt FolderOptions, dst []uint8, maxPixels int64) (info fileInfo, reason string, err error) {
	fail := func(r string, e error) (fileInfo, string, error) { return info, r, e }
	// Some decoders panic on malformed input; that is a bad file, not a bug here.
	defer func() {
		if r := recover(); r != nil {
			info, reason, err = fail(SkipUndecodable, fmt.Errorf("decoder failed: %v", r))
		}
	}()
	info.sum = sha256.Sum256(buf)
	// TIFF offsets point anywhere in the file. Through image.Decode the
	// TIFF decoder gets a plain reader and buffers up to any offset a header
	// names (8 bytes can ask for 1 GiB); given the bytes as an io.ReaderAt
	// it reads only what is there.
	isTIFF := bytes.HasPrefix(buf, []byte("II*\x00")) || bytes.HasPrefix(buf, []byte("MM\x00*"))
	var cfg image.Config
	format := "tiff"
	if isTIFF {
		cfg, err = tiff.DecodeConfig(bytes.NewReader(buf))
	} else {
		cfg, format, err = image.DecodeConfig(bytes.NewReader(buf))
	}
	if err != nil {
		return fail(SkipUndecodable, err)
	}
	info.format, info.color, info.w, info.h = format, colorType(format, buf, cfg.ColorModel), cfg.Width, cfg.Height
	if cfg.Width < 0 || cfg.Height < 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return fail(SkipTooLarge, fmt.Errorf("%dx%d pixels is over the %d-pixel limit", cfg.Width, cfg.Height, maxPixels))
	}
	if cfg.Width == 0 || cfg.Height == 0 {
		return fail(SkipEmpty, fmt.Errorf("empty image (%dx%d)", cfg.Width, cfg.Height))
	}
	var img image.Image
	if isTIFF {
		img, err = tiff.Decode(bytes.NewReader(buf))
	} else {
		// Only JPEG carries an EXIF orientation; imaging returns every
		// other image as the decoder made it, which Opaque can inspect.
		img, err = imaging.Decode(bytes.NewReader(buf), imaging.AutoOrientation(true))
	}
	if err != nil {
		return fail(SkipUndecodable, err)
	}
	info.transparent = !opaque(img)
	size := opt.Size
	sq := imaging.Fill(img, size, size, imaging.Center, imaging.Lanczos)
	if sq.Rect.Dx() != size || sq.Rect.Dy() != size {
		return fail(SkipEmpty, fmt.Errorf("empty image (%dx%d)", cfg.Width, cfg.Height))
	}
	plane := size * size
	bg := opt.Background
	for y := range size {
		row := sq.Pix[y*sq.Stride : y*sq.Stride+4*size]
		for x := range size {
			r, g, b := bg.over(row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
			k := y*size + x
			if opt.Channels == 1 {
				dst[k] = luma(r, g, b)
				continue
			}
			dst[k], dst[plane+k], dst[2*plane+k] = r, g, b
		}
	}
	return info, "", nil
}

// unwrapPath drops the "open PATH:" of a *fs.PathError; FileError names the path.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// opaque reports whether every pixel of img is fully opaque. The standard
// image types all answer Opaque (a palette image by the entries it uses).
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// pngColorTypes names the colour types of a PNG header.
var pngColorTypes = map[byte]string{0: "gray", 2: "rgb", 3: "palette", 4: "gray+alpha", 6: "rgba"}

// colorType names how a file stores its pixels: for PNG the header's colour
// type (a tRNS chunk can still make gray, rgb or palette files transparent),
// for other formats the decoder's colour model.
func colorType(format string, buf []byte, m color.Model) string {
	if format == "png" && len(buf) > 25 {
		if s, ok := pngColorTypes[buf[25]]; ok {
			return s
		}
	}
	switch m {
	case color.GrayModel, color.Gray16Model:
		return "gray"
	case color.RGBAModel, color.RGBA64Model:
		return "rgb"
	case color.NRGBAModel, color.NRGBA64Model:
		return "rgba"
	case color.YCbCrModel:
		return "ycbcr"
	case color.CMYKModel:
		return "cmyk"
	}
	if _, ok := m.(color.Palette); ok {
		return "palette"
	}
	return "other"
}

// luma is ITU-R 601 luma in PIL's fixed point, so gray images match PIL's
// convert("L") and a gray source (r == g == b) comes back unchanged.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}
