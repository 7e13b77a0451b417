package infer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ErrNoLibrary is wrapped by the error returned when the onnxruntime shared
// library cannot be found or loaded.
var ErrNoLibrary = errors.New("onnxruntime library not available")

// ErrNoCgo is returned in place of a Generator by a build of infer without
// cgo (CGO_ENABLED=0, or no C compiler): such a build compiles, with the
// same API, but cannot load onnxruntime. It matches ErrNoLibrary too.
var ErrNoCgo error = noCgoError{}

type noCgoError struct{}

func (noCgoError) Error() string {
	return "infer: built without cgo; onnxruntime needs CGO_ENABLED=1 and a C compiler"
}
func (noCgoError) Is(target error) bool { return target == ErrNoLibrary }

// LibraryEnv names the environment variable that points at the onnxruntime
// shared library (a file, or a folder holding libonnxruntime.so.1).
const LibraryEnv = "ONNXRUNTIME_LIB"

// setupLib is where `make setup` puts the library, relative to the
// repository root.
var setupLib = filepath.Join("third_party", "onnxruntime", "lib", "libonnxruntime.so.1")

// libNames are the file names tried in a folder, in order.
var libNames = []string{"libonnxruntime.so.1", "libonnxruntime.so"}

// systemDirs are searched last, after LD_LIBRARY_PATH.
var systemDirs = []string{"/usr/local/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu"}

const minVersionNote = "gogan needs onnxruntime >= 1.24, C API 24"

func libraryFix() string {
	return "run `make setup` in the gogan repository, or set " + LibraryEnv + " to the path of libonnxruntime.so.1 (onnxruntime >= 1.24)"
}

// where says where to look for the library, so resolution can be tested
// without touching the process's environment.
type where struct {
	option string // WithLibrary
	env    string // $ONNXRUNTIME_LIB
	cwd    string
	exe    string // os.Executable
	ldPath string // $LD_LIBRARY_PATH
}

func here(option string) where {
	w := where{option: option, env: os.Getenv(LibraryEnv), ldPath: os.Getenv("LD_LIBRARY_PATH")}
	w.cwd, _ = os.Getwd()
	w.exe, _ = os.Executable()
	return w
}

// resolveLibrary finds the shared library: the WithLibrary option, then
// $ONNXRUNTIME_LIB, then the install layout of `make install` (the
// executable in PREFIX/bin, the library in PREFIX/lib: the executable's
// ../lib), then the setup folder of the repository that holds the working
// directory (walking up to the folder with go.mod) or of the one the
// executable sits in (bin/../third_party), then LD_LIBRARY_PATH and the
// system folders. An installed program thus uses the library installed
// with it wherever it is run from. A path given explicitly must exist: it is an error, not a
// reason to look elsewhere. The result is absolute.
func resolveLibrary(w where) (string, error) {
	for _, given := range []struct{ name, path string }{{"WithLibrary", w.option}, {LibraryEnv, w.env}} {
		if given.path == "" {
			continue
		}
		p, err := libraryAt(given.path)
		if err != nil {
			return "", fmt.Errorf("%w: %s=%s: %v; %s", ErrNoLibrary, given.name, given.path, err, libraryFix())
		}
		return p, nil
	}
	var looked []string
	try := func(p string) string {
		looked = append(looked, p)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			abs, _ := filepath.Abs(p)
			return abs
		}
		return ""
	}
	if w.exe != "" {
		for _, n := range libNames {
			if p := try(filepath.Join(filepath.Dir(w.exe), "..", "lib", n)); p != "" {
				return p, nil
			}
		}
	}
	for dir := w.cwd; dir != ""; dir = filepath.Dir(dir) {
		if p := try(filepath.Join(dir, setupLib)); p != "" {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil || dir == filepath.Dir(dir) {
			break
		}
	}
	if w.exe != "" {
		if p := try(filepath.Join(filepath.Dir(w.exe), "..", setupLib)); p != "" {
			return p, nil
		}
	}
	dirs := append(filepath.SplitList(w.ldPath), systemDirs...)
	for _, d := range dirs {
		if d == "" {
			continue
		}
		for _, n := range libNames {
			if p := try(filepath.Join(d, n)); p != "" {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%w: libonnxruntime.so not found (looked in the executable's ../lib, the repository's third_party/onnxruntime/lib, LD_LIBRARY_PATH and %s); %s",
		ErrNoLibrary, strings.Join(systemDirs, ", "), libraryFix())
}

// libraryAt accepts a library file or a folder holding one.
func libraryAt(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", errors.New("no such file")
	}
	if !st.IsDir() {
		return abs, nil
	}
	for _, n := range libNames {
		if st, err := os.Stat(filepath.Join(abs, n)); err == nil && !st.IsDir() {
			return filepath.Join(abs, n), nil
		}
	}
	return "", fmt.Errorf("a folder without %s in it", strings.Join(libNames, " or "))
}

// env is the process-wide onnxruntime environment: the library can be
// loaded once per process, so every Generator shares it.
var env struct {
	sync.Mutex
	path string // absolute path of the loaded library; "" before loading
}

// loadLibrary makes sure the onnxruntime environment is up, loading the
// library resolved from option on first use. Later calls must resolve to
// the same file. It returns the loaded library's path.
func loadLibrary(option string) (string, error) {
	if !withCgo {
		return "", ErrNoCgo
	}
	w := here(option)
	path, err := resolveLibrary(w)
	env.Lock()
	defer env.Unlock()
	if env.path != "" {
		if err == nil && !sameFile(path, env.path) {
			return "", fmt.Errorf("onnxruntime is already loaded from %s in this process; cannot also load %s", env.path, path)
		}
		// A resolution error after a successful load only matters when a
		// library was named explicitly; otherwise the loaded one serves.
		if err != nil && (w.option != "" || w.env != "") {
			return "", err
		}
		return env.path, nil
	}
	if err != nil {
		return "", err
	}
	if err := initRuntime(path); err != nil {
		return "", err
	}
	env.path = path
	return path, nil
}

func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// RuntimeVersion loads the onnxruntime library if needed (from option, or
// the usual places when option is "") and returns its version and path.
func RuntimeVersion(option string) (version, path string, err error) {
	path, err = loadLibrary(option)
	if err != nil {
		return "", "", err
	}
	return runtimeVersion(), path, nil
}
