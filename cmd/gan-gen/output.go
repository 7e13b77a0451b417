package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"github.com/gogan/gan/train/data/npy"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/gogan/gan/infer"
)

const manifestName = "manifest.csv"

// A sink receives the encoded images and, only when every image is in, the
// manifest: output without a manifest is incomplete. put may be called
// from several goroutines at once when concurrent says so; otherwise
// images arrive one at a time in index order. abort, after a failure,
// drops what it can of an unfinished output and names what is left.
type sink interface {
	put(name string, data []byte) error
	finish(manifest []byte) error
	abort() (leftover string)
	concurrent() bool
}

// tarSink streams a tar archive. The end-of-archive marker is written only
// by finish, after manifest.csv: an interrupted stream has neither.
type tarSink struct {
	bw    *bufio.Writer
	tw    *tar.Writer
	mtime time.Time
}

func newTarSink(w io.Writer) *tarSink {
	bw := bufio.NewWriterSize(w, 1<<20)
	return &tarSink{bw: bw, tw: tar.NewWriter(bw), mtime: time.Now().Truncate(time.Second)}
}

func (s *tarSink) put(name string, data []byte) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: s.mtime}
	if err := s.tw.WriteHeader(h); err != nil {
		return fmt.Errorf("writing the tar to stdout: %v", err)
	}
	if _, err := s.tw.Write(data); err != nil {
		return fmt.Errorf("writing the tar to stdout: %v", err)
	}
	return nil
}

func (*tarSink) concurrent() bool { return false }

// abort leaves the stream as it is: without its manifest and end marker it
// reads as incomplete.
func (*tarSink) abort() string { return "" }

func (s *tarSink) finish(manifest []byte) error {
	if err := s.put(manifestName, manifest); err != nil {
		return err
	}
	if err := s.tw.Close(); err != nil {
		return fmt.Errorf("writing the tar to stdout: %v", err)
	}
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("writing the tar to stdout: %v", err)
	}
	return nil
}

// encoder appends image i of a batch, encoded, to dst. An encoder keeps
// scratch buffers between calls, so each encoding goroutine makes its own.
type encoder func(dst []byte, b *infer.Batch, i int) ([]byte, error)

// encoderFor returns a maker of encoders for a format, and the file
// extension.
func encoderFor(format string, quality int) (func() encoder, string) {
	switch format {
	case "jpeg":
		opt := &jpeg.Options{Quality: quality}
		return func() encoder {
			return func(dst []byte, b *infer.Batch, i int) ([]byte, error) {
				w := bytes.NewBuffer(dst)
				err := jpeg.Encode(w, b.Image(i), opt)
				return w.Bytes(), err
			}
		}, "jpg"
	case "npy":
		return func() encoder {
			return func(dst []byte, b *infer.Batch, i int) ([]byte, error) {
				return appendNpy(dst, b.Tensor(i), b.Shape[1:]), nil
			}
		}, "npy"
	}
	return func() encoder {
		var pix, scratch []byte
		enc := &png.Encoder{BufferPool: &pngBuffer{}}
		return func(dst []byte, b *infer.Batch, i int) ([]byte, error) {
			if b.Shape[1] == 1 {
				pix = b.AppendPixels(pix[:0], i)
				dst, scratch = appendGrayPNG(dst, scratch, pix, b.Shape[3], b.Shape[2])
				return dst, nil
			}
			w := bytes.NewBuffer(dst)
			err := enc.Encode(w, b.Image(i))
			return w.Bytes(), err
		}
	}, "png"
}

// pngBuffer lets one encoder reuse image/png's compression state.
type pngBuffer struct{ b *png.EncoderBuffer }

func (p *pngBuffer) Get() *png.EncoderBuffer  { return p.b }
func (p *pngBuffer) Put(b *png.EncoderBuffer) { p.b = b }

// appendNpy appends a little-endian float32 array in NumPy's .npy format,
// version 1.0: magic, header length, a Python dict literal padded so the
// data starts on a 64-byte boundary, then the values in C order.
func appendNpy(dst []byte, data []float32, shape []int) []byte {
	dst = append(dst, npy.Header(shape)...)
	for _, v := range data {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
	}
	return dst
}

// fileName is image i's name: zero-padded to six digits, or more when n
// needs them, so names sort in index order.
func fileName(i, n int, ext string) string {
	width := max(6, len(strconv.Itoa(n-1)))
	return fmt.Sprintf("%0*d.%s", width, i, ext)
}

// manifest lists file, seed and label (empty for an unconditional model).
type manifest struct {
	buf bytes.Buffer
	w   *csv.Writer
}

func newManifest() *manifest {
	m := &manifest{}
	m.w = csv.NewWriter(&m.buf)
	m.w.Write([]string{"file", "seed", "label"})
	return m
}

func (m *manifest) add(file string, seed uint64, label int) {
	l := ""
	if label >= 0 {
		l = strconv.Itoa(label)
	}
	m.w.Write([]string{file, strconv.FormatUint(seed, 10), l})
}

func (m *manifest) bytes() []byte {
	m.w.Flush()
	return m.buf.Bytes()
}
