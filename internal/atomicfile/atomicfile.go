// Package atomicfile writes files so that a reader, or a crash, never sees
// one half written: the bytes go to a temporary file beside the target,
// flushed and fsynced, then renamed over it. gan-train's run folders,
// checkpoints and exports, and gan-eval's outputs, are written this way.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// staleTemp matches the temporary files Write makes
// (.NAME.tmp<digits>); one that outlives its write was cut short by a kill.
var staleTemp = regexp.MustCompile(`^\..+\.tmp[0-9]+$`)

// IsTemp reports whether name is one of Write's temporary files.
func IsTemp(name string) bool { return staleTemp.MatchString(name) }

// RemoveTemps deletes temporary files left in dir by writes a kill cut
// short; best effort (the folder may not exist yet).
func RemoveTemps(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Type().IsRegular() && IsTemp(e.Name()) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Write writes path through write: into a temporary file in the
// same folder, flushed and fsynced, then renamed over path. A crash or an
// error mid-write leaves the previous file untouched. The file is 0644.
func Write(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	tmp := f.Name()
	// CreateTemp makes the file private (0600); outputs are ordinary files.
	if err = f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s into place: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
