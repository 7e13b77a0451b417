package infer

import (
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
	"math/bits"
)

// AppendGrayPNG appends an 8-bit grayscale PNG of the w x h pixels pix (row
// by row) to dst.
//
// It exists because image/png spends 40-100 µs on a 28x28 digit, mostly
// building a dynamic Huffman code for a few hundred bytes, which is as much
// CPU as onnxruntime spends generating the image. Generated digits are
// mostly exact runs (black background, saturated strokes) that repeat from
// row to row, so this writer skips filtering (filter type None) and
// compresses with one fixed-Huffman deflate block whose only matches are
// runs (distance 1) and copies of the row above (distance one scanline):
// about 3 µs, and smaller than image/png's default on MNIST (256 bytes a
// digit against 271). RGB images, where such runs are rare, go through
// image/png.
//
// scratch holds the filtered scanlines between calls; the result is
// returned with the (possibly grown) scratch.
func AppendGrayPNG(dst, scratch, pix []byte, w, h int) (out, scratchOut []byte) {
	if len(pix) != w*h || w < 1 || h < 1 {
		panic("infer: AppendGrayPNG: pixel count does not match the size")
	}
	// The scanlines as PNG compresses them: a filter byte (0, None), then
	// the row.
	raw := scratch[:0]
	for y := 0; y < h; y++ {
		raw = append(raw, 0)
		raw = append(raw, pix[y*w:(y+1)*w]...)
	}

	dst = append(dst, "\x89PNG\r\n\x1a\n"...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 8 // bit depth; colour type 0 (gray), deflate, no filter set, no interlace
	dst = appendChunk(dst, "IHDR", ihdr[:])

	// IDAT: the length is patched in once the zlib stream is written.
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 'I', 'D', 'A', 'T')
	dst = append(dst, 0x78, 0x01) // zlib: deflate, 32K window, no dictionary
	dst = deflateRuns(dst, raw, w+1)
	dst = binary.BigEndian.AppendUint32(dst, adler32.Checksum(raw))
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-8))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start+4:]))

	return appendChunk(dst, "IEND", nil), raw
}

func appendChunk(dst []byte, typ string, data []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
	start := len(dst)
	dst = append(dst, typ...)
	dst = append(dst, data...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// deflateRuns appends src as one final fixed-Huffman deflate block (RFC
// 1951) to dst, matching runs of a repeated byte and copies from stride
// bytes back, whichever is longer; everything else is a literal.
func deflateRuns(dst, src []byte, stride int) []byte {
	if stride > maxDistance {
		stride = 1 // a row too long to reach back to: runs only
	}
	b := bitWriter{dst: dst}
	b.write(0b011, 3) // BFINAL 1, BTYPE 01 (fixed Huffman)
	for i := 0; i < len(src); {
		n, dist := matchLen(src, i, 1), 1
		if stride > 1 {
			if m := matchLen(src, i, stride); m > n {
				n, dist = m, stride
			}
		}
		if n < minMatch {
			c := fixedLit[src[i]]
			b.write(uint64(c.bits), uint(c.n))
			i++
			continue
		}
		l, d := fixedLen[n], fixedDist(dist)
		b.write(uint64(l.bits)|uint64(d.bits)<<l.n, uint(l.n)+uint(d.n))
		i += n
	}
	c := fixedLit[256] // end of block
	b.write(uint64(c.bits), uint(c.n))
	return b.flush()
}

const (
	minMatch    = 3
	maxMatch    = 258
	maxDistance = 32768
)

// matchLen is how many bytes from src[i] on equal those dist bytes earlier,
// at most maxMatch.
func matchLen(src []byte, i, dist int) int {
	if i < dist {
		return 0
	}
	a, b := src[i:min(len(src), i+maxMatch)], src[i-dist:]
	n := 0
	for n+8 <= len(a) {
		x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:])
		if x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(a) && a[n] == b[n] {
		n++
	}
	return n
}

// code is a Huffman code with its extra bits folded in, in the order
// deflate writes them (LSB first), and its total length in bits.
type code struct {
	bits uint32
	n    uint8
}

var (
	fixedLit [257]code          // literals 0-255 and end of block
	fixedLen [maxMatch + 1]code // length code and extra bits, by match length
)

func init() {
	// RFC 1951 3.2.6: literal/length symbols 0-143 have 8-bit codes from
	// 0x30, 144-255 9-bit codes from 0x190, 256-279 7-bit codes from 0,
	// 280-287 8-bit codes from 0xc0. Huffman codes are sent MSB first.
	sym := func(s int) code {
		switch {
		case s < 144:
			return huff(0x30+s, 8)
		case s < 256:
			return huff(0x190+s-144, 9)
		case s < 280:
			return huff(s-256, 7)
		}
		return huff(0xc0+s-280, 8)
	}
	for s := range fixedLit {
		fixedLit[s] = sym(s)
	}
	base := 3
	for k, extra := range lengthExtra {
		for e := 0; e < 1<<extra && base+e <= maxMatch; e++ {
			c := sym(257 + k)
			fixedLen[base+e] = code{c.bits | uint32(e)<<c.n, c.n + extra}
		}
		base += 1 << extra
	}
	fixedLen[maxMatch] = sym(285) // 258 has its own symbol, no extra bits
}

// lengthExtra is the number of extra bits of length symbols 257-284.
var lengthExtra = [28]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5}

func huff(c, n int) code {
	return code{bits.Reverse32(uint32(c)) >> (32 - n), uint8(n)}
}

// fixedDist is distance d's 5-bit code and extra bits: codes 0-3 are
// distances 1-4, then each pair of codes doubles the span.
func fixedDist(d int) code {
	if d <= 4 {
		return huff(d-1, 5)
	}
	hi := bits.Len(uint(d-1)) - 1 // d-1 has hi+1 bits: 2^hi <= d-1 < 2^(hi+1)
	extra := hi - 1
	sym := 2*hi + int((d-1)>>extra&1)
	c := huff(sym, 5)
	return code{c.bits | uint32((d-1)&(1<<extra-1))<<5, uint8(5 + extra)}
}

// bitWriter appends bits LSB first, as deflate packs them.
type bitWriter struct {
	dst []byte
	acc uint64
	n   uint
}

// write appends the low n bits of v; n is at most 32.
func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	if w.n >= 32 {
		w.dst = binary.LittleEndian.AppendUint32(w.dst, uint32(w.acc))
		w.acc >>= 32
		w.n -= 32
	}
}

func (w *bitWriter) flush() []byte {
	for ; w.n > 0; w.n -= min(w.n, 8) {
		w.dst = append(w.dst, byte(w.acc))
		w.acc >>= 8
	}
	return w.dst
}
