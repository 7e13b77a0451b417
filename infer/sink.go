package infer

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// A Sink receives a sampling run's encoded images and, only when every
// image is in, the manifest: output without a manifest is incomplete.
// Put may be called from several goroutines at once when Concurrent says
// so; otherwise images arrive one at a time in index order. Stream opens
// one large file of a known size (a stacked .npy) to be written in pieces,
// in order, before Finish. Abort, after a failure, drops what it can of an
// unfinished output and names what is left ("" for nothing).
//
// DirSink (a folder, staged and moved into place), TarSink (a tar stream
// or file) and NpyFile (one stacked .npy file) are the sinks gan-gen
// writes to.
type Sink interface {
	Put(name string, data []byte) error
	Stream(name string, size int64) (io.Writer, error)
	Finish(manifest []byte) error
	Abort() (leftover string)
	Concurrent() bool
}

// TarSink writes a tar archive to a stream or, made by CreateTar, into a
// file. The end-of-archive marker is written only by Finish, after
// manifest.csv: an interrupted stream has neither.
type TarSink struct {
	to    string // "stdout" or the file's name, for messages
	bw    *bufio.Writer
	tw    *tar.Writer
	mtime time.Time
	file  *fileOut // the file being written; nil for a stream
}

// NewTarSink writes the archive to w; to names w in messages ("stdout").
func NewTarSink(w io.Writer, to string) *TarSink {
	bw := bufio.NewWriterSize(w, 1<<20)
	return &TarSink{to: to, bw: bw, tw: tar.NewWriter(bw), mtime: time.Now().Truncate(time.Second)}
}

// CreateTar writes the archive into the file path atomically: into a
// hidden temporary file beside it, renamed onto path by Finish, so an
// existing file stays until then and an aborted run leaves nothing.
func CreateTar(path string) (*TarSink, error) {
	o, err := newFileOut(path)
	if err != nil {
		return nil, err
	}
	s := NewTarSink(o, path)
	s.file = o
	return s, nil
}

// Existed reports whether the file CreateTar replaces was there before.
func (s *TarSink) Existed() bool { return s.file != nil && s.file.existed }

func (s *TarSink) failed(err error) error {
	return fmt.Errorf("writing the tar to %s: %v", s.to, unwrapPath(err))
}

func (s *TarSink) Put(name string, data []byte) error {
	w, err := s.Stream(name, int64(len(data)))
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Stream starts a member of the given size; its data follows in the
// archive as it is written.
func (s *TarSink) Stream(name string, size int64) (io.Writer, error) {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: s.mtime}
	if err := s.tw.WriteHeader(h); err != nil {
		return nil, s.failed(err)
	}
	return errWriter{s.tw, s.failed}, nil
}

func (*TarSink) Concurrent() bool { return false }

// Abort leaves a stream as it is: without its manifest and end marker it
// reads as incomplete. A tar file is not written at all.
func (s *TarSink) Abort() string {
	if s.file != nil {
		return s.file.abort()
	}
	return ""
}

func (s *TarSink) Finish(manifest []byte) error {
	if err := s.Put(ManifestName, manifest); err != nil {
		return err
	}
	if err := s.tw.Close(); err != nil {
		return s.failed(err)
	}
	if err := s.bw.Flush(); err != nil {
		return s.failed(err)
	}
	if s.file != nil {
		return s.file.commit()
	}
	return nil
}

// NpyFile is a sink for format npy alone: the stacked array as one file,
// no manifest (image i comes from the series' image i). It is written
// atomically, as CreateTar's file is.
type NpyFile struct{ *fileOut }

// CreateNpy starts the stacked .npy file path.
func CreateNpy(path string) (*NpyFile, error) {
	o, err := newFileOut(path)
	if err != nil {
		return nil, err
	}
	return &NpyFile{o}, nil
}

// Existed reports whether the file CreateNpy replaces was there before.
func (s *NpyFile) Existed() bool { return s.existed }

func (s *NpyFile) Put(name string, _ []byte) error {
	return fmt.Errorf("infer: %s: %s holds one stacked array, not files", name, s.name)
}

func (s *NpyFile) Stream(string, int64) (io.Writer, error) {
	return errWriter{s.fileOut, func(err error) error { return fmt.Errorf("writing %s: %v", s.name, unwrapPath(err)) }}, nil
}

func (s *NpyFile) Finish([]byte) error { return s.commit() }
func (s *NpyFile) Abort() string       { return s.abort() }
func (*NpyFile) Concurrent() bool      { return false }

// fileOut writes one file atomically: into a hidden temporary file beside
// it (.NAME.partial-PID), renamed onto the name by commit. Until then an
// existing file of that name is untouched, and an aborted run leaves
// nothing.
type fileOut struct {
	name    string
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
		return nil, fmt.Errorf("%s: cannot create the folder: %v; choose a folder you can write to", name, unwrapPath(err))
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
			return nil, fmt.Errorf("%s: cannot write in %s: %v; choose a folder you can write to", name, dir, unwrapPath(err))
		}
	}
}

func (o *fileOut) Write(p []byte) (int, error) { return o.f.Write(p) }

// commit closes the file and renames it into place.
func (o *fileOut) commit() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return errors.New("infer: the output was already committed or dropped")
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

// errWriter rewrites the errors of w with wrap.
type errWriter struct {
	w    io.Writer
	wrap func(error) error
}

func (e errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		err = e.wrap(err)
	}
	return n, err
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
