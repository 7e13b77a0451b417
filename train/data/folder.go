package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Defaults of FolderOptions' zero fields.
const (
	DefaultImageSize = 64
	DefaultMaxBytes  = 4 << 30
)

// imageExts are the lower-cased extensions LoadFolder picks up.
var imageExts = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true,
	".bmp": true, ".tif": true, ".tiff": true,
}

// FolderOptions configures LoadFolder and LoadFiles. The zero value gives
// 64x64 RGB composited over black, decoded on GOMAXPROCS goroutines,
// skipping bad files with a warning on stderr.
type FolderOptions struct {
	Size       int          // side of the square output images (default DefaultImageSize)
	Channels   int          // 1 for gray (luma) or 3 for RGB (default 3)
	Background Background   // what transparent pixels are composited over (default black)
	Name       string       // the dataset's name (default: see LoadFolder)
	Strict     bool         // a file that fails to decode is an error instead of a warning
	Workers    int          // decoding goroutines (default GOMAXPROCS)
	Warn       func(string) // receives one message per skipped file (default: printed to stderr)
	MaxBytes   int64        // largest pixel cache allowed (default DefaultMaxBytes; negative: no limit)
}

func (opt *FolderOptions) defaults() error {
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
		return fmt.Errorf("data: image size %d is not positive", opt.Size)
	}
	if opt.Channels != 1 && opt.Channels != 3 {
		return fmt.Errorf("data: %d channels requested; want 1 (gray) or 3 (RGB)", opt.Channels)
	}
	return nil
}

// LoadFolder decodes every image under dir (recursively: .png, .jpg/.jpeg, .gif,
// .bmp, .tif/.tiff in any letter case; names starting with "." are skipped),
// center-crops each to a square, resizes it to Size with a Lanczos filter,
// composites it over Background and keeps it in memory as uint8 gray or RGB.
// The order is that of the sorted paths, whatever the number of workers.
// Images.Report says what was read.
//
// When every image lies inside a first-level subfolder and there are at least
// two such subfolders, their sorted names are the classes (the ImageFolder
// layout); otherwise the data is unlabelled, so a single wrapping folder such as
// celeba/img_align_celeba/ adds no meaningless one-class label.
//
// The dataset is named opt.Name, or by dir's last two path elements, the
// image count and a short content hash: "emoji/64 (3786 images, 1a2b3c4d)".
func LoadFolder(dir string, opt FolderOptions) (*Images, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	if st, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data: image folder %s does not exist", dir)
		}
		return nil, fmt.Errorf("data: image folder: %v", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("data: %s is a file, not an image folder", dir)
	}

	rels, walkSkips, err := findImages(dir, opt)
	if err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return nil, fmt.Errorf("data: no images in %s (looked recursively for .png .jpg .jpeg .gif .bmp .tif .tiff)", dir)
	}
	paths := make([]string, len(rels))
	for i, rel := range rels {
		paths[i] = filepath.Join(dir, filepath.FromSlash(rel))
	}
	d, kept, err := load(paths, rels, opt, dir)
	if err != nil {
		return nil, err
	}
	if walkSkips > 0 {
		if d.report.Skipped == nil {
			d.report.Skipped = map[string]int{}
		}
		d.report.Skipped[SkipUnreadable] += walkSkips
	}
	if labels, classes := folderLabels(kept); labels != nil {
		d.setLabels(labels, classes)
		d.report.Classes = len(classes)
	}
	d.name = opt.Name
	if d.name == "" {
		d.name = folderName(dir, d.Len(), d.report.Hash)
	}
	d.report.Name = d.name
	return d, nil
}

// LoadFiles decodes the image files paths, in that order, as LoadFolder
// decodes a folder's (Strict: the first file that fails is the error, a
// *FileError). The dataset is unlabelled, named opt.Name or "N files".
func LoadFiles(paths []string, opt FolderOptions) (*Images, error) {
	opt.Strict = true
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("data: no image files given")
	}
	rels := make([]string, len(paths))
	for i, p := range paths {
		rels[i] = filepath.ToSlash(filepath.Base(p))
	}
	d, _, err := load(paths, rels, opt, "")
	if err != nil {
		return nil, err
	}
	d.name = opt.Name
	if d.name == "" {
		d.name = fmt.Sprintf("%d files", d.Len())
	}
	d.report.Name = d.name
	return d, nil
}

// load decodes paths (rels: their names for the hash) into an unlabelled,
// unnamed Images with its report, and returns the rels kept. dir, when
// set, names the folder in errors.
func load(paths, rels []string, opt FolderOptions, dir string) (*Images, []string, error) {
	per := opt.Size * opt.Size * opt.Channels
	if need := int64(len(paths)) * int64(per); opt.MaxBytes > 0 && need > opt.MaxBytes {
		where := "the files"
		if dir != "" {
			where = dir
		}
		return nil, nil, fmt.Errorf("data: %s: %d images of %dx%dx%d need %s in memory, over the %s limit; use a smaller --image-size or fewer images",
			where, len(paths), opt.Channels, opt.Size, opt.Size, byteSize(need), byteSize(opt.MaxBytes))
	}

	pix := make([]uint8, len(paths)*per)
	infos, errs := decodeAll(paths, pix, opt)

	var kept []string
	var keptInfo []fileInfo
	skipped := map[string]int{}
	for i, path := range paths {
		if errs[i] != nil {
			if opt.Strict {
				if dir == "" {
					return nil, nil, errs[i]
				}
				return nil, nil, fmt.Errorf("data: %v (fix or remove the file, or load without strict mode to skip it)", errs[i])
			}
			opt.Warn(fmt.Sprintf("data: skipping %s: %v", path, errs[i].(*FileError).Err))
			skipped[errs[i].(*FileError).Reason]++
			continue
		}
		// Compact in place: image i moves down to slot len(kept) <= i.
		copy(pix[len(kept)*per:(len(kept)+1)*per], pix[i*per:(i+1)*per])
		kept = append(kept, rels[i])
		keptInfo = append(keptInfo, infos[i])
	}
	if len(kept) == 0 {
		return nil, nil, fmt.Errorf("data: none of the %d image files in %s could be decoded", len(paths), dir)
	}
	pix = pix[: len(kept)*per : len(kept)*per]
	d := NewImages("", opt.Channels, opt.Size, opt.Size, pix, nil, nil)
	d.report = newReport(opt, kept, keptInfo, skipped)
	return d, kept, nil
}

// findImages lists the image files under dir as sorted slash-separated relative
// paths, and counts the entries it could not read.
func findImages(dir string, opt FolderOptions) (rels []string, skipped int, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return fmt.Errorf("data: image folder: %v", err)
			}
			if opt.Strict {
				return fmt.Errorf("data: %v", err)
			}
			opt.Warn(fmt.Sprintf("data: skipping %s: %v", path, err))
			skipped++
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
	return rels, skipped, err
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
