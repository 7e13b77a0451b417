package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/disintegration/imaging"

	// The decoders LoadFolder accepts; imaging registers them too, listed here
	// so that the set of formats is visible where the extensions are.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// Defaults of FolderOptions' zero fields.
const (
	DefaultImageSize = 64
	DefaultMaxBytes  = 4 << 30
)

// maxSourcePixels rejects images whose header announces more pixels than any
// photo we would train on (33.5 megapixels, e.g. 8192x4096), before the
// decoder allocates them, so a corrupt header or a decompression bomb cannot
// exhaust memory: decoding one image holds at most about 12 bytes per pixel
// (a 16-bit RGBA decode and its 8-bit copy), 400 MB, per worker.
const maxSourcePixels = 1 << 25

// imageExts are the lower-cased extensions LoadFolder picks up.
var imageExts = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true,
	".bmp": true, ".tif": true, ".tiff": true,
}

// FolderOptions configures LoadFolder. The zero value gives 64x64 RGB decoded on
// GOMAXPROCS goroutines, skipping bad files with a warning on stderr.
type FolderOptions struct {
	Size     int          // side of the square output images (default DefaultImageSize)
	Channels int          // 1 for gray (luma) or 3 for RGB (default 3)
	Strict   bool         // a file that fails to decode is an error instead of a warning
	Workers  int          // decoding goroutines (default GOMAXPROCS)
	Warn     func(string) // receives one message per skipped file (default: printed to stderr)
	MaxBytes int64        // largest pixel cache allowed (default DefaultMaxBytes; negative: no limit)
}

// LoadFolder decodes every image under dir (recursively: .png, .jpg/.jpeg, .gif,
// .bmp, .tif/.tiff in any letter case; names starting with "." are skipped),
// center-crops each to a square, resizes it to Size with a Lanczos filter and
// keeps it in memory as uint8 gray or RGB. The order is that of the sorted paths,
// whatever the number of workers. Transparency is dropped, as PIL's convert does.
//
// When every image lies inside a first-level subfolder and there are at least
// two such subfolders, their sorted names are the classes (the ImageFolder
// layout); otherwise the data is unlabelled, so a single wrapping folder such as
// celeba/img_align_celeba/ adds no meaningless one-class label.
func LoadFolder(dir string, opt FolderOptions) (*Images, error) {
	if opt.Size == 0 {
		opt.Size = DefaultImageSize
	}
	if opt.Channels == 0 {
		opt.Channels = 3
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.MaxBytes == 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.Warn == nil {
		opt.Warn = func(msg string) { fmt.Fprintln(os.Stderr, msg) }
	}
	if opt.Size < 0 {
		return nil, fmt.Errorf("data: image size %d is not positive", opt.Size)
	}
	if opt.Channels != 1 && opt.Channels != 3 {
		return nil, fmt.Errorf("data: %d channels requested; want 1 (gray) or 3 (RGB)", opt.Channels)
	}
	if st, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data: image folder %s does not exist", dir)
		}
		return nil, fmt.Errorf("data: image folder: %v", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("data: %s is a file, not an image folder", dir)
	}

	rels, err := findImages(dir, opt)
	if err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return nil, fmt.Errorf("data: no images in %s (looked recursively for .png .jpg .jpeg .gif .bmp .tif .tiff)", dir)
	}
	per := opt.Size * opt.Size * opt.Channels
	if need := int64(len(rels)) * int64(per); opt.MaxBytes > 0 && need > opt.MaxBytes {
		return nil, fmt.Errorf("data: %s: %d images of %dx%dx%d need %s in memory, over the %s limit; use a smaller --image-size or fewer images",
			dir, len(rels), opt.Channels, opt.Size, opt.Size, byteSize(need), byteSize(opt.MaxBytes))
	}

	pix := make([]uint8, len(rels)*per)
	errs := decodeAll(dir, rels, pix, opt)

	kept := rels[:0:0]
	for i, rel := range rels {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if errs[i] != nil {
			if opt.Strict {
				return nil, fmt.Errorf("data: %s: %v (fix or remove the file, or load without strict mode to skip it)", path, errs[i])
			}
			opt.Warn(fmt.Sprintf("data: skipping %s: %v", path, errs[i]))
			continue
		}
		// Compact in place: image i moves down to slot len(kept) <= i.
		copy(pix[len(kept)*per:(len(kept)+1)*per], pix[i*per:(i+1)*per])
		kept = append(kept, rel)
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("data: none of the %d image files in %s could be decoded", len(rels), dir)
	}
	pix = pix[: len(kept)*per : len(kept)*per]

	labels, classes := folderLabels(kept)
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return NewImages(filepath.Base(abs), opt.Channels, opt.Size, opt.Size, pix, labels, classes), nil
}

// findImages lists the image files under dir as sorted slash-separated relative paths.
func findImages(dir string, opt FolderOptions) ([]string, error) {
	var rels []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return fmt.Errorf("data: image folder: %v", err)
			}
			if opt.Strict {
				return fmt.Errorf("data: %v", err)
			}
			opt.Warn(fmt.Sprintf("data: skipping %s: %v", path, err))
			return nil
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !imageExts[strings.ToLower(filepath.Ext(path))] {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return fmt.Errorf("data: %v", err)
		}
		rels = append(rels, filepath.ToSlash(rel))
		return nil
	})
	slices.Sort(rels)
	return rels, err
}

// decodeAll decodes rels into consecutive slots of pix on opt.Workers goroutines
// and returns one error per file (nil where it decoded). Workers claim files in
// increasing order, so in strict mode, once a failure is seen, every earlier file
// has been claimed and finishes: the first failure reported is the same on any
// number of workers.
func decodeAll(dir string, rels []string, pix []uint8, opt FolderOptions) []error {
	per := opt.Size * opt.Size * opt.Channels
	errs := make([]error, len(rels))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(opt.Workers, len(rels)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(rels) || (opt.Strict && failed.Load()) {
					return
				}
				path := filepath.Join(dir, filepath.FromSlash(rels[i]))
				if errs[i] = decodeSquare(path, opt.Size, opt.Channels, pix[i*per:(i+1)*per]); errs[i] != nil {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return errs
}

// decodeSquare decodes the image at path, center-crops and resizes it to
// (size,size) and writes it to dst as (C,H,W) bytes, C = channels.
func decodeSquare(path string, size, channels int, dst []uint8) error {
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return decodeImage(buf, size, channels, dst, maxSourcePixels)
}

// decodeImage is decodeSquare on the file's bytes, refusing images of more
// than maxPixels pixels before decoding them.
func decodeImage(buf []byte, size, channels int, dst []uint8, maxPixels int64) (err error) {
	// Some decoders panic on malformed input; that is a bad file, not a bug here.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder failed: %v", r)
		}
	}()
	// TIFF offsets point anywhere in the file. Through image.Decode the
	// TIFF decoder gets a plain reader and buffers up to any offset a header
	// names (8 bytes can ask for 1 GiB); given the bytes as an io.ReaderAt
	// it reads only what is there.
	isTIFF := bytes.HasPrefix(buf, []byte("II*\x00")) || bytes.HasPrefix(buf, []byte("MM\x00*"))
	var cfg image.Config
	if isTIFF {
		cfg, err = tiff.DecodeConfig(bytes.NewReader(buf))
	} else {
		cfg, _, err = image.DecodeConfig(bytes.NewReader(buf))
	}
	if err != nil {
		return err
	}
	if cfg.Width < 0 || cfg.Height < 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return fmt.Errorf("%dx%d pixels is over the %d-pixel limit", cfg.Width, cfg.Height, maxPixels)
	}
	var img image.Image
	if isTIFF {
		img, err = tiff.Decode(bytes.NewReader(buf))
	} else {
		img, err = imaging.Decode(bytes.NewReader(buf), imaging.AutoOrientation(true))
	}
	if err != nil {
		return err
	}
	sq := imaging.Fill(img, size, size, imaging.Center, imaging.Lanczos)
	if sq.Rect.Dx() != size || sq.Rect.Dy() != size {
		return fmt.Errorf("empty image (%dx%d)", cfg.Width, cfg.Height)
	}
	plane := size * size
	for y := range size {
		row := sq.Pix[y*sq.Stride : y*sq.Stride+4*size]
		for x := range size {
			r, g, b := row[4*x], row[4*x+1], row[4*x+2]
			k := y*size + x
			if channels == 1 {
				dst[k] = luma(r, g, b)
				continue
			}
			dst[k], dst[plane+k], dst[2*plane+k] = r, g, b
		}
	}
	return nil
}

// luma is ITU-R 601 luma in PIL's fixed point, so gray images match PIL's
// convert("L") and a gray source (r == g == b) comes back unchanged.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// folderLabels labels each path by its first-level folder when every path has
// one and there are at least two; else it returns nil, nil (unlabelled).
func folderLabels(rels []string) (labels []int, classes []string) {
	tops := make([]string, len(rels))
	for i, rel := range rels {
		top, _, nested := strings.Cut(rel, "/")
		if !nested {
			return nil, nil
		}
		tops[i] = top
	}
	classes = slices.Compact(slices.Sorted(slices.Values(tops)))
	if len(classes) < 2 {
		return nil, nil
	}
	labels = make([]int, len(rels))
	for i, top := range tops {
		labels[i], _ = slices.BinarySearch(classes, top)
	}
	return labels, classes
}

// byteSize formats n bytes for error messages.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
