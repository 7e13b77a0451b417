package infer

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// StackedName is the stacked array's file inside a folder or tar (format
// npy).
const StackedName = "images.npy"

// Formats are the image formats Sample writes: PNG and JPEG files, or npy,
// every image's float32 tensor in one stacked (N,C,H,W) StackedName.
var Formats = []string{"png", "jpeg", "npy"}

// imageWriter takes a run's batches in index order and lists them for
// the manifest.
type imageWriter interface {
	write(b *Batch, start int) error
	list() []byte // the manifest, once every batch is in
}

// batchWriter encodes batches on all cores and hands the files to a sink,
// listing them in the manifest. n is the images of the whole run (a shard
// of it names its files as the whole run does). Each encoding goroutine keeps its encoder
// and output buffer from batch to batch.
type batchWriter struct {
	s    Sink
	encs []Encoder
	bufs [][]byte
	ext  string
	n    int // images in the run, for the file names
	man  *Manifest
}

func newBatchWriter(s Sink, newEnc func() Encoder, ext string, n int) *batchWriter {
	w := &batchWriter{s: s, ext: ext, n: n, man: NewManifest("file")}
	for range runtime.GOMAXPROCS(0) {
		w.encs = append(w.encs, newEnc())
	}
	w.bufs = make([][]byte, len(w.encs))
	return w
}

func (w *batchWriter) list() []byte { return w.man.Bytes() }

// write encodes batch b, images start.. of the run. A sink that takes
// concurrent writes gets each file as soon as it is encoded; otherwise the
// files are handed over afterwards in index order.
func (w *batchWriter) write(b *Batch, start int) error {
	names := make([]string, b.Len())
	for i := range names {
		names[i] = FileName(start+i, w.n, w.ext)
	}
	var data [][]byte
	if !w.s.Concurrent() {
		data = make([][]byte, b.Len())
	}
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		failed.Store(true)
	}
	for k := range min(len(w.encs), b.Len()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := w.encs[k]
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= b.Len() {
					return
				}
				buf, err := enc(w.bufs[k][:0], b, i)
				w.bufs[k] = buf
				if err != nil {
					fail(fmt.Errorf("encoding image %d: %v", start+i, err))
					return
				}
				if data != nil {
					data[i] = bytes.Clone(buf)
				} else if err := w.s.Put(names[i], buf); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if data != nil {
		for i, name := range names {
			if err := w.s.Put(name, data[i]); err != nil {
				return err
			}
		}
	}
	w.man.AddBatch(b, names)
	return nil
}

// npyWriter streams a run into one stacked (N,C,H,W) little-endian float32
// .npy: N is known up front, so the header goes first and each batch's
// tensor follows as it comes, and memory stays at one batch whatever N.
type npyWriter struct {
	w   io.Writer
	buf []byte
	man *Manifest
}

func newNpyWriter(s Sink, shape [4]int) (*npyWriter, error) {
	hdr := NpyHeader(shape)
	size := int64(len(hdr)) + 4*int64(shape[0])*int64(shape[1]*shape[2]*shape[3])
	w, err := s.Stream(StackedName, size)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(hdr); err != nil {
		return nil, err
	}
	return &npyWriter{w: w, man: NewManifest("index")}, nil
}

func (w *npyWriter) write(b *Batch, start int) error {
	w.buf = AppendFloat32s(w.buf[:0], b.Data)
	if _, err := w.w.Write(w.buf); err != nil {
		return err
	}
	rows := make([]string, b.Len())
	for i := range rows {
		rows[i] = strconv.Itoa(start + i)
	}
	w.man.AddBatch(b, rows)
	return nil
}

func (w *npyWriter) list() []byte { return w.man.Bytes() }
