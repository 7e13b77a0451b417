package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/gogan/gan/internal/allocs"
)

// FuzzReadIDX: any stream gives an IDX array or an error, never a panic
// or a large allocation, whatever its header announces; gzip'd streams
// included (a stream that inflates past 1 GiB is refused by the header
// bound, maxIDXBytes).
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(f, idxImagesMagic, []int{2, 3, 3}, bytes.Repeat([]byte{7}, 18), false))
	f.Add(idxBytes(f, idxImagesMagic, []int{2, 3, 3}, bytes.Repeat([]byte{7}, 18), true))
	f.Add(idxBytes(f, idxLabelsMagic, []int{4}, []byte{1, 2, 3, 9}, false))
	f.Add(idxBytes(f, idxImagesMagic, []int{1024, 1024, 512}, nil, false)) // 512 MiB announced, none there
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, magic := range []uint32{idxImagesMagic, idxLabelsMagic} {
			var dims []int
			var payload []byte
			var err error
			if n := allocs.During(func() { dims, payload, err = ReadIDX(bytes.NewReader(b), magic) }); n > allocs.FuzzLimit+8*uint64(len(b)) && err != nil {
				t.Fatalf("rejecting %d bytes allocated %d", len(b), n)
			}
			if err != nil {
				continue
			}
			size := 1
			for _, d := range dims {
				size *= d
			}
			if len(dims) != int(magic&0xff) || size != len(payload) {
				t.Fatalf("dims %v with %d payload bytes", dims, len(payload))
			}
		}
	})
}

// fuzzMaxPixels is the image size limit under fuzzing: small, so that each
// run is quick; TestDecodeImageLimit checks the real limit.
const fuzzMaxPixels = 1 << 20

// encoded returns a small picture in each format LoadFolder reads.
func encoded(tb testing.TB) [][]byte {
	src := image.NewNRGBA(image.Rect(0, 0, 6, 4))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 37)
	}
	pal := image.NewPaletted(src.Rect, color.Palette{color.Black, color.White, color.RGBA{200, 0, 0, 255}})
	var out [][]byte
	for _, enc := range []func(*bytes.Buffer) error{
		func(w *bytes.Buffer) error { return png.Encode(w, src) },
		func(w *bytes.Buffer) error { return png.Encode(w, pal) },
		func(w *bytes.Buffer) error { return jpeg.Encode(w, src, nil) },
		func(w *bytes.Buffer) error { return gif.Encode(w, pal, nil) },
		func(w *bytes.Buffer) error { return bmp.Encode(w, src) },
		func(w *bytes.Buffer) error { return tiff.Encode(w, src, &tiff.Options{Compression: tiff.Deflate}) },
	} {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			tb.Fatal(err)
		}
		out = append(out, b.Bytes())
	}
	return out
}

// pngBomb is a PNG whose header announces w x h pixels, followed by a few
// bytes of compressed image data: a decoder that trusted the header would
// allocate the whole image before finding the data short.
func pngBomb(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		c := append([]byte(typ), data...)
		b = binary.BigEndian.AppendUint32(append(b, c...), crc32.ChecksumIEEE(c))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	chunk("IHDR", append(ihdr, 8, 6, 0, 0, 0)) // 8-bit RGBA
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 64))
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b
}

// FuzzDecodeImage: any file gives a (C,H,W) square or an error, never a
// panic, a hang or an allocation beyond what the pixel limit allows.
func FuzzDecodeImage(f *testing.F) {
	for _, b := range encoded(f) {
		f.Add(b)
	}
	f.Add(pngBomb(100000, 100000))
	f.Add(pngBomb(1000, 1000))
	f.Fuzz(func(t *testing.T, b []byte) {
		dst := make([]uint8, 3*8*8)
		var err error
		// A decode holds at most ~16 bytes per pixel (16-bit RGBA and an
		// 8-bit copy), and a JPEG's coefficients about as much again.
		limit := uint64(allocs.FuzzLimit + 40*fuzzMaxPixels + 16*len(b))
		if n := allocs.During(func() { err = decodeImage(b, 8, 3, dst, fuzzMaxPixels) }); n > limit {
			t.Fatalf("decoding %d bytes allocated %d (err %v)", len(b), n, err)
		}
	})
}

// The real pixel limit refuses a decompression bomb from its header alone.
func TestDecodeImageLimit(t *testing.T) {
	dst := make([]uint8, 3*8*8)
	var err error
	n := allocs.During(func() { err = decodeImage(pngBomb(8193, 4096), 8, 3, dst, maxSourcePixels) })
	if err == nil || n > 32<<20 { // decoding would take 134 MB; other tests' goroutines may allocate a little meanwhile
		t.Errorf("a PNG announcing 8193x4096 pixels: error %v after allocating %d bytes; want a refusal before decoding", err, n)
	}
	if err := decodeImage(pngBomb(64, 64), 8, 3, dst, maxSourcePixels); err == nil {
		t.Error("a PNG without image data decoded")
	}
}
