package infer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// DirSink writes a run's files into a folder, out, so that the folder
// never looks complete (holds a manifest.csv) unless it is.
//
// Usually it stages: every file goes, under its final name, into a new
// hidden folder beside out (.NAME.partial-PID), manifest.csv last, and
// Finish then renames that folder into place in one step. One rename per
// run instead of one per file (a temporary name and a rename cost about
// four times a plain create), and an interrupted run leaves no folder at
// all. A folder with files in it is swapped out only once the new one is
// complete, then removed.
//
// Where a sibling folder cannot be swapped in safely (out is a mount
// point, holds the current directory, lies in a folder that cannot be
// written to, or holds files a sampling run did not write), it writes
// in place as before: each file through a temporary name and a rename, the
// old manifest removed before the first new image.
type DirSink struct {
	name    string // out as given, for messages
	out     string // out, with symbolic links resolved
	dir     string // where files are written: the staging folder, or out
	staged  bool
	replace bool // out exists with files in it; commit swaps it out
	fd      int  // the staging folder, open, for openat(2)

	mu      sync.Mutex
	done    bool       // committed or aborted
	streams []*dirFile // files written in pieces (stream), closed by finish
}

// dirFile is a file of the folder written in pieces: under its own name in the
// staging folder, or through a temporary name when writing in place.
type dirFile struct {
	f         *os.File
	tmp, path string // tmp == "" when staged
}

// NewDirSink prepares the folder name for a run: new, empty, or holding a
// previous run's output, which is replaced once the new one is complete.
// The caller decides whether a folder with files may be replaced. extra
// names a file the run writes into the folder besides images and the
// manifest (a contact sheet), or "".
func NewDirSink(name string, extra string) (*DirSink, error) {
	out := filepath.Clean(name)
	if reals, err := filepath.EvalSymlinks(out); err == nil {
		out = reals
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("%s: cannot create the folder: %v; choose a folder you can write to", name, unwrapPath(err))
	}
	s := &DirSink{name: name, out: out, dir: out}
	st, err := os.Stat(out)
	exists := err == nil
	if exists {
		entries, err := os.ReadDir(out)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, unwrapPath(err))
		}
		s.replace = len(entries) > 0 // the caller allowed it
		if s.replace && !onlyOurs(entries, extra) {
			return s, s.inPlace()
		}
	}
	if !stageable(out, parent, st) {
		return s, s.inPlace()
	}
	staging, err := makeStaging(parent, filepath.Base(out))
	if err != nil {
		return s, s.inPlace() // the parent is read-only, say; out may not be
	}
	if exists {
		os.Chmod(staging, st.Mode().Perm()) // keep the folder's permissions; best effort
	}
	s.fd, err = unix.Open(staging, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(staging)
		return s, s.inPlace()
	}
	s.dir, s.staged = staging, true
	return s, nil
}

// stageable reports whether a folder made in parent can be renamed onto
// out: same file system, and not a folder the process is standing in.
func stageable(out, parent string, st fs.FileInfo) bool {
	if parent == out {
		return false // the root
	}
	if wd, err := os.Getwd(); err == nil {
		if reals, err := filepath.EvalSymlinks(wd); err == nil {
			wd = reals
		}
		if wd == out || strings.HasPrefix(wd, out+string(filepath.Separator)) {
			return false // swapping it would leave us in a deleted folder
		}
	}
	if st != nil {
		pst, err := os.Stat(parent)
		if err != nil || !sameDevice(st, pst) {
			return false // a mount point cannot be renamed over
		}
	}
	return true
}

func sameDevice(a, b fs.FileInfo) bool {
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && sa.Dev == sb.Dev
}

// ourName matches the files a sampling run writes into its folder.
var ourName = regexp.MustCompile(`^([0-9]{6,}\.(png|jpg|npy)|` + ManifestName + `|` + regexp.QuoteMeta(StackedName) + `|interpolation\.(png|gif))$`)

// onlyOurs reports whether entries are all sampling output (extra counts as
// such), so that replacing their folder loses nothing else.
func onlyOurs(entries []fs.DirEntry, extra string) bool {
	for _, e := range entries {
		if !e.Type().IsRegular() || !(ourName.MatchString(e.Name()) || e.Name() == extra) {
			return false
		}
	}
	return true
}

// makeStaging creates the hidden staging folder for out in parent.
func makeStaging(parent, base string) (string, error) {
	prefix := filepath.Join(parent, "."+base+".partial-"+strconv.Itoa(os.Getpid()))
	for k := 0; ; k++ {
		dir := prefix
		if k > 0 {
			dir += "-" + strconv.Itoa(k)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil || !errors.Is(err, fs.ErrExist) || k == 99 {
			return dir, err
		}
	}
}

// inPlace switches to writing straight into out, making it if need be.
func (s *DirSink) inPlace() error {
	s.dir, s.staged = s.out, false
	if err := os.MkdirAll(s.out, 0o755); err != nil {
		return fmt.Errorf("%s: cannot create the folder: %v; choose a folder you can write to", s.name, unwrapPath(err))
	}
	if err := probeWritable(s.out); err != nil {
		return fmt.Errorf("%s: %v", s.name, err)
	}
	// An old manifest would make this run's partial output look complete;
	// it goes before the first new file is written.
	if err := os.Remove(filepath.Join(s.out, ManifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: removing the old %s: %v", s.name, ManifestName, unwrapPath(err))
	}
	return nil
}

// Redirect maps a path in the folder to where it is written while staging;
// other paths are returned as they are.
func (s *DirSink) Redirect(path string) string {
	if !s.staged {
		return path
	}
	if !SamePath(filepath.Dir(path), s.out) {
		return path
	}
	return filepath.Join(s.dir, filepath.Base(path))
}

func (s *DirSink) Put(name string, data []byte) error {
	if !s.staged {
		return writeInPlace(filepath.Join(s.dir, name), data)
	}
	if err := writeNew(s.fd, name, data); err != nil {
		return fmt.Errorf("writing %s: %v", filepath.Join(s.name, name), err)
	}
	return nil
}

// Stream opens name for writing in pieces; Finish closes it (and, in
// place, renames it into the folder) before the manifest is written.
func (s *DirSink) Stream(name string, _ int64) (io.Writer, error) {
	var d dirFile
	if s.staged {
		fd, err := unix.Openat(s.fd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("writing %s: %v", filepath.Join(s.name, name), err)
		}
		d.f = os.NewFile(uintptr(fd), filepath.Join(s.dir, name))
	} else {
		d.path = filepath.Join(s.dir, name)
		d.tmp = filepath.Join(s.dir, "."+name+".tmp")
		f, err := os.OpenFile(d.tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("writing %s: %v", d.path, unwrapPath(err))
		}
		d.f = f
	}
	s.mu.Lock()
	s.streams = append(s.streams, &d)
	s.mu.Unlock()
	where := filepath.Join(s.name, name)
	return errWriter{d.f, func(err error) error { return fmt.Errorf("writing %s: %v", where, unwrapPath(err)) }}, nil
}

// closeStreams closes the streamed files, renaming those written in place
// onto their names; with drop, it removes their temporary files instead.
func (s *DirSink) closeStreams(drop bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for _, d := range s.streams {
		err := d.f.Close()
		switch {
		case d.tmp == "":
		case drop || err != nil:
			os.Remove(d.tmp)
		default:
			err = os.Rename(d.tmp, d.path)
		}
		if err != nil && first == nil {
			first = fmt.Errorf("writing %s: %v", d.f.Name(), unwrapPath(err))
		}
	}
	s.streams = nil
	return first
}

func (*DirSink) Concurrent() bool { return true }

// Finish writes the manifest and, when staging, moves the folder into place.
func (s *DirSink) Finish(manifest []byte) error {
	if err := s.closeStreams(false); err != nil {
		return err
	}
	if err := s.Put(ManifestName, manifest); err != nil {
		return err
	}
	if !s.staged {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return errors.New("infer: the output was already committed or dropped")
	}
	s.done = true
	unix.Close(s.fd)
	if !s.replace {
		// rename(2) also replaces an empty folder (os.Rename refuses to).
		if err := unix.Rename(s.dir, s.out); err != nil {
			return fmt.Errorf("%s: moving the finished output into place: %v; it is complete in %s", s.name, unwrapPath(err), s.dir)
		}
		return nil
	}
	old := filepath.Join(filepath.Dir(s.dir), strings.Replace(filepath.Base(s.dir), ".partial-", ".old-", 1))
	if err := os.Rename(s.out, old); err != nil {
		return fmt.Errorf("%s: moving the old output aside: %v; the new output is complete in %s", s.name, unwrapPath(err), s.dir)
	}
	if err := os.Rename(s.dir, s.out); err != nil {
		os.Rename(old, s.out) // put the old output back
		return fmt.Errorf("%s: moving the finished output into place: %v; it is complete in %s", s.name, unwrapPath(err), s.dir)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("%s is complete, but removing the old output in %s failed: %v", s.name, old, unwrapPath(err))
	}
	return nil
}

// Abort drops an unfinished staging folder; output already committed, or
// written in place, stays. It reports what is left where.
func (s *DirSink) Abort() (leftover string) {
	s.closeStreams(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.staged || s.done {
		return ""
	}
	s.done = true
	unix.Close(s.fd)
	if err := os.RemoveAll(s.dir); err != nil {
		return s.dir // named .partial, without a manifest unless finish failed late
	}
	return ""
}

// writeNew creates the file name in the folder open as dir, which must not
// hold it yet, with data in it. Images are small and a run writes
// thousands, so it makes only the three system calls a file needs:
// os.OpenFile would add an fstat and two fcntl calls, and resolve the whole
// path each time.
func writeNew(dir int, name string, data []byte) error {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Openat(dir, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
		return err
	})
	if err != nil {
		return err
	}
	for len(data) > 0 {
		var n int
		err = retryEINTR(func() (err error) {
			n, err = unix.Write(fd, data)
			return err
		})
		if err == nil && n <= 0 {
			err = io.ErrShortWrite
		}
		if err != nil {
			break
		}
		data = data[n:]
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	return err
}

// retryEINTR runs f again while it is interrupted by a signal, as package
// os does for file systems (FUSE, NFS) that do not restart calls.
func retryEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}

// writeInPlace writes data to path through a temporary file beside it. The
// temporary name is fixed (.NAME.tmp): the folder belongs to this run, and a
// fixed name saves the chmod that a random os.CreateTemp file would need.
// Unlike atomicfile.Write it does not fsync: a run writes thousands of
// images, and its manifest, written last, says whether it finished.
func writeInPlace(path string, data []byte) error {
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

// Staged reports whether the run is written into a staging folder, moved
// into place by Finish; Replacing, whether it replaces a folder with files.
func (s *DirSink) Staged() bool    { return s.staged }
func (s *DirSink) Replacing() bool { return s.replace }

// ProbeWritable creates and removes a file in dir, to learn before any work
// whether dir can be written to.
func ProbeWritable(dir string) error { return probeWritable(dir) }

// probeWritable creates and removes a file in dir.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".infer-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %v; choose a folder you can write to", dir, unwrapPath(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// SamePath reports whether a and b name the same place, once made absolute
// and, where they exist, with symbolic links resolved.
func SamePath(a, b string) bool {
	resolve := func(p string) string {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if reals, err := filepath.EvalSymlinks(p); err == nil {
			p = reals
		}
		return p
	}
	return resolve(a) == resolve(b)
}
