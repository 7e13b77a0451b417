package data

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// FolderReport says what LoadFolder or LoadFiles read: the files of each
// format and colour type, how many had transparency and how it was
// handled, how many were resized or skipped and why. gan-train prints its
// Summary and records it in the run's config.json.
type FolderReport struct {
	Name   string `json:"name"`   // the dataset's name (Images.Name)
	Hash   string `json:"sha256"` // of the kept files' relative paths and bytes, in path order
	Images int    `json:"images"` // images kept
	// Formats counts the kept images by format ("png"), ColorTypes by
	// format and colour type ("png rgba", "png palette", "jpeg ycbcr").
	Formats    map[string]int `json:"formats"`
	ColorTypes map[string]int `json:"color_types"`
	// Transparent counts the images with a pixel that is not fully opaque;
	// Background is what they were composited over (see Background).
	Transparent int    `json:"transparent"`
	Background  string `json:"background"`
	Size        int    `json:"size"`     // side of the loaded squares
	Channels    int    `json:"channels"` // 1 gray, 3 RGB
	Resized     int    `json:"resized"`  // images whose source was not Size x Size
	Cropped     int    `json:"cropped"`  // of those, the ones not square: their long side was cut
	Classes     int    `json:"classes"`  // class subfolders, 0 when unlabelled
	// Skipped counts the files left out, by reason (the Skip constants).
	Skipped map[string]int `json:"skipped,omitempty"`
}

// newReport tallies the kept files' infos; skipped counts the rest by reason.
func newReport(opt FolderOptions, rels []string, infos []fileInfo, skipped map[string]int) *FolderReport {
	r := &FolderReport{Images: len(infos), Formats: map[string]int{}, ColorTypes: map[string]int{},
		Background: opt.Background.String(), Size: opt.Size, Channels: opt.Channels}
	if len(skipped) > 0 {
		r.Skipped = skipped
	}
	h := sha256.New()
	for i, in := range infos {
		r.Formats[in.format]++
		r.ColorTypes[in.format+" "+in.color]++
		if in.transparent {
			r.Transparent++
		}
		if in.w != opt.Size || in.h != opt.Size {
			r.Resized++
			if in.w != in.h {
				r.Cropped++
			}
		}
		h.Write([]byte(rels[i]))
		h.Write([]byte{0})
		h.Write(in.sum[:])
	}
	r.Hash = hex.EncodeToString(h.Sum(nil))
	return r
}

// folderName names a folder's data by its last two path elements, the image
// count and the first 8 hex digits of the content hash: informative in an
// exported model's metadata without recording a local path.
func folderName(dir string, n int, hash string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	tail := filepath.Base(abs)
	if parent := filepath.Base(filepath.Dir(abs)); !strings.ContainsAny(parent, `/\:`) && parent != "." {
		tail = parent + "/" + tail
	}
	return fmt.Sprintf("%s (%d images, %s)", tail, n, hash[:8])
}

// Summary is the report in one line, e.g.
//
//	emoji/64 (3786 images, 1a2b3c4d): png 3786 (palette 80, rgba 3706); 3786 with transparency, composited over black; 0 resized; unlabelled
func (r *FolderReport) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", r.Name)
	for i, f := range slices.Sorted(maps.Keys(r.Formats)) {
		if i > 0 {
			b.WriteString(", ")
		}
		var types []string
		for _, ct := range slices.Sorted(maps.Keys(r.ColorTypes)) {
			if t, ok := strings.CutPrefix(ct, f+" "); ok {
				types = append(types, fmt.Sprintf("%s %d", t, r.ColorTypes[ct]))
			}
		}
		fmt.Fprintf(&b, "%s %d (%s)", f, r.Formats[f], strings.Join(types, ", "))
	}
	switch {
	case r.Transparent == 0:
		b.WriteString("; none with transparency")
	case r.Background == "none":
		fmt.Fprintf(&b, "; %d with transparency, alpha ignored (--background none)", r.Transparent)
	default:
		fmt.Fprintf(&b, "; %d with transparency, composited over %s", r.Transparent, r.Background)
	}
	fmt.Fprintf(&b, "; %d resized to %dx%d", r.Resized, r.Size, r.Size)
	if r.Cropped > 0 {
		fmt.Fprintf(&b, " (%d center-cropped to square)", r.Cropped)
	}
	if r.Classes > 0 {
		fmt.Fprintf(&b, "; %d classes", r.Classes)
	} else {
		b.WriteString("; unlabelled")
	}
	if len(r.Skipped) > 0 {
		total := 0
		var why []string
		for _, reason := range slices.Sorted(maps.Keys(r.Skipped)) {
			total += r.Skipped[reason]
			why = append(why, fmt.Sprintf("%d %s", r.Skipped[reason], reason))
		}
		fmt.Fprintf(&b, "; %d skipped (%s)", total, strings.Join(why, ", "))
	}
	return b.String()
}
