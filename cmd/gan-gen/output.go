package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/gogan/gan/infer"
)

const manifestName = "manifest.csv"

// A sink receives the encoded images and, only when every image is in, the
// manifest: output without a manifest is incomplete. put may be called
// from several goroutines at once when concurrent says so; otherwise
// images arrive one at a time in index order.
type sink interface {
	put(name string, data []byte) error
	finish(manifest []byte) error
	concurrent() bool
}

// dirSink writes each file under a temporary name and renames it into
// place, so no file is ever seen half-written.
type dirSink struct{ dir string }

func (s dirSink) put(name string, data []byte) error {
	return writeAtomic(filepath.Join(s.dir, name), data)
}

func (dirSink) concurrent() bool { return true }

func (s dirSink) finish(manifest []byte) error {
	return writeAtomic(filepath.Join(s.dir, manifestName), manifest)
}

// writeAtomic writes data to path through a temporary file beside it. The
// temporary name is fixed (.NAME.tmp): the folder belongs to this run, and a
// fixed name saves the chmod that a random os.CreateTemp file would need.
func writeAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, unwrapPath(err))
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %v", path, unwrapPath(err))
	}
	return nil
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

// encoder writes image i of a batch in one file format.
type encoder func(w *bytes.Buffer, b *infer.Batch, i int) error

// pngBuffers lets the PNG encoder reuse its compression state across images.
type pngBuffers struct{ p sync.Pool }

func (b *pngBuffers) Get() *png.EncoderBuffer {
	e, _ := b.p.Get().(*png.EncoderBuffer)
	return e
}
func (b *pngBuffers) Put(e *png.EncoderBuffer) { b.p.Put(e) }

func encoderFor(format string, quality int) (encoder, string) {
	switch format {
	case "jpeg":
		opt := &jpeg.Options{Quality: quality}
		return func(w *bytes.Buffer, b *infer.Batch, i int) error { return jpeg.Encode(w, b.Image(i), opt) }, "jpg"
	case "npy":
		return func(w *bytes.Buffer, b *infer.Batch, i int) error {
			writeNpy(w, b.Tensor(i), b.Shape[1:])
			return nil
		}, "npy"
	}
	enc := &png.Encoder{BufferPool: &pngBuffers{}}
	return func(w *bytes.Buffer, b *infer.Batch, i int) error { return enc.Encode(w, b.Image(i)) }, "png"
}

// writeNpy writes a little-endian float32 array in NumPy's .npy format,
// version 1.0: magic, header length, a Python dict literal padded so the
// data starts on a 64-byte boundary, then the values in C order.
func writeNpy(w *bytes.Buffer, data []float32, shape []int) {
	dims := ""
	for _, d := range shape {
		dims += strconv.Itoa(d) + ", "
	}
	if len(shape) > 1 {
		dims = dims[:len(dims)-2]
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", dims)
	pad := 64 - (10+len(header)+1)%64
	if pad == 64 {
		pad = 0
	}
	header += string(bytes.Repeat([]byte{' '}, pad)) + "\n"
	w.WriteString("\x93NUMPY\x01\x00")
	binary.Write(w, binary.LittleEndian, uint16(len(header)))
	w.WriteString(header)
	buf := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	w.Write(buf)
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
