package main

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/gogan/gan/infer"
)

const manifestName = infer.ManifestName

// A sink receives the encoded images and, only when every image is in, the
// manifest: output without a manifest is incomplete. put may be called
// from several goroutines at once when concurrent says so; otherwise
// images arrive one at a time in index order. stream opens one large file
// of a known size (a stacked .npy) to be written in pieces, in order,
// before finish. abort, after a failure, drops what it can of an
// unfinished output and names what is left.
type sink interface {
	put(name string, data []byte) error
	stream(name string, size int64) (io.Writer, error)
	finish(manifest []byte) error
	abort() (leftover string)
	concurrent() bool
}

// tarSink streams a tar archive to stdout or into a file (tarFile). The
// end-of-archive marker is written only by finish, after manifest.csv: an
// interrupted stream has neither.
type tarSink struct {
	to    string // "stdout" or the file's name, for messages
	bw    *bufio.Writer
	tw    *tar.Writer
	mtime time.Time
	file  *fileOut // the file being written, for --out FILE.tar; nil for stdout
}

func newTarSink(w io.Writer) *tarSink {
	bw := bufio.NewWriterSize(w, 1<<20)
	return &tarSink{to: "stdout", bw: bw, tw: tar.NewWriter(bw), mtime: time.Now().Truncate(time.Second)}
}

func (s *tarSink) failed(err error) error {
	return fmt.Errorf("writing the tar to %s: %v", s.to, unwrapPath(err))
}

func (s *tarSink) put(name string, data []byte) error {
	w, err := s.stream(name, int64(len(data)))
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// stream starts a member of the given size; its data follows in the
// archive as it is written.
func (s *tarSink) stream(name string, size int64) (io.Writer, error) {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: s.mtime}
	if err := s.tw.WriteHeader(h); err != nil {
		return nil, s.failed(err)
	}
	return errWriter{s.tw, s.failed}, nil
}

func (*tarSink) concurrent() bool { return false }

// abort leaves a stream to stdout as it is: without its manifest and end
// marker it reads as incomplete. A tar file is not written at all.
func (s *tarSink) abort() string {
	if s.file != nil {
		return s.file.abort()
	}
	return ""
}

func (s *tarSink) finish(manifest []byte) error {
	if err := s.put(manifestName, manifest); err != nil {
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
