package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/gogan/gan/infer"
)

// stackedName is the stacked .npy inside a folder or tar (--format npy).
const stackedName = "images.npy"

// imageWriter takes a run's batches in index order and lists them for
// the manifest.
type imageWriter interface {
	write(b *infer.Batch, start int) error
	list() []byte // the manifest, once every batch is in
}

// npyWriter streams a run into one stacked (N,C,H,W) little-endian float32
// .npy: N is known up front, so the header goes first and each batch's
// tensor follows as it comes, and memory stays at one batch whatever N.
type npyWriter struct {
	w   io.Writer
	buf []byte
	man *infer.Manifest
}

func newNpyWriter(s sink, shape [4]int) (*npyWriter, error) {
	hdr := infer.NpyHeader(shape)
	size := int64(len(hdr)) + 4*int64(shape[0])*int64(shape[1]*shape[2]*shape[3])
	w, err := s.stream(stackedName, size)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(hdr); err != nil {
		return nil, err
	}
	return &npyWriter{w: w, man: infer.NewManifest("index")}, nil
}

func (w *npyWriter) write(b *infer.Batch, start int) error {
	w.buf = infer.AppendFloat32s(w.buf[:0], b.Data)
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

// fileOut writes one file (--out FILE.npy or FILE.tar) atomically: into a
// hidden temporary file beside it (.NAME.partial-PID), renamed onto the
// name by commit. Until then an existing file of that name is untouched,
// and an interrupted run leaves nothing.
type fileOut struct {
	name    string // --out as given
	tmp     string
	f       *os.File
	existed bool // a file of that name was there before; it stays until commit

	mu   sync.Mutex
	done bool
}

// newFileOut creates the temporary file, making the folder if need be.
func newFileOut(name string) (*fileOut, error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: cannot create the folder: %v; choose a folder you can write to", name, unwrapPath(err))
	}
	prefix := filepath.Join(dir, "."+filepath.Base(name)+".partial-"+strconv.Itoa(os.Getpid()))
	for k := 0; ; k++ {
		tmp := prefix
		if k > 0 {
			tmp += "-" + strconv.Itoa(k)
		}
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, serr := os.Stat(name)
			return &fileOut{name: name, tmp: tmp, f: f, existed: serr == nil}, nil
		}
		if !errors.Is(err, os.ErrExist) || k == 99 {
			return nil, fmt.Errorf("--out %s: cannot write in %s: %v; choose a folder you can write to", name, dir, unwrapPath(err))
		}
	}
}

func (o *fileOut) Write(p []byte) (int, error) { return o.f.Write(p) }

// commit closes the file and renames it into place.
func (o *fileOut) commit() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return errors.New("gan-gen: the output was already committed or dropped")
	}
	o.done = true
	err := o.f.Close()
	if err == nil {
		err = os.Rename(o.tmp, o.name)
	}
	if err != nil {
		os.Remove(o.tmp)
		return fmt.Errorf("writing %s: %v", o.name, unwrapPath(err))
	}
	return nil
}

// abort drops the unfinished file; it reports the temporary file when it
// cannot.
func (o *fileOut) abort() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return ""
	}
	o.done = true
	o.f.Close()
	if err := os.Remove(o.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return o.tmp
	}
	return ""
}

// npyFileSink is --out FILE.npy: the stacked array alone, no manifest
// (image i comes from seed --seed + i, or row i of --latents).
type npyFileSink struct{ *fileOut }

func (s npyFileSink) put(name string, _ []byte) error {
	return fmt.Errorf("gan-gen: %s: --out %s holds one stacked array, not files", name, s.name)
}

func (s npyFileSink) stream(string, int64) (io.Writer, error) {
	return errWriter{s.fileOut, func(err error) error { return fmt.Errorf("writing %s: %v", s.name, unwrapPath(err)) }}, nil
}

func (s npyFileSink) finish([]byte) error { return s.commit() }
func (npyFileSink) concurrent() bool      { return false }

// newTarFile is --out FILE.tar: the tar stream gan-gen writes to stdout
// with --out -, written into the file atomically.
func newTarFile(name string) (*tarSink, error) {
	o, err := newFileOut(name)
	if err != nil {
		return nil, err
	}
	s := newTarSink(o)
	s.to, s.file = name, o
	return s, nil
}
