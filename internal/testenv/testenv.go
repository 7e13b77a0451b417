// Package testenv decides, for tests, whether a missing outside dependency
// is a reason to skip or a failure. A test may skip because the
// onnxruntime library, python3-onnx or MNIST is not there; it must fail when
// the dependency is meant to be there and is broken, or a broken machine
// passes with every test skipped.
//
// The package imports only the standard library, so the tests of every
// package (cgo or not, train or infer) can use it without bending the import
// direction.
package testenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RuntimeLib is the environment variable that names the onnxruntime library
// (infer.LibraryEnv; repeated here so this package needs no cgo).
const RuntimeLib = "ONNXRUNTIME_LIB"

// setupLibDir is where `make setup` installs onnxruntime, relative to the
// repository root.
var setupLibDir = filepath.Join("third_party", "onnxruntime", "lib")

// CI reports whether the tests run under continuous integration: the CI
// variable is set (GitHub Actions, GitLab and most others set CI=true).
func CI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "0" && v != "false"
}

// RuntimeRequired reports whether onnxruntime must load here, and why:
// under CI, when ONNXRUNTIME_LIB names a library (`make test` always sets
// it), or when `make setup` installed the library in the repository.
func RuntimeRequired() (bool, string) {
	if CI() {
		return true, "CI is set"
	}
	if v := os.Getenv(RuntimeLib); v != "" {
		return true, RuntimeLib + "=" + v
	}
	if root := repoRoot(); root != "" {
		dir := filepath.Join(root, setupLibDir)
		if ents, err := os.ReadDir(dir); err == nil {
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), "libonnxruntime") {
					return true, dir + " holds " + e.Name() + " (make setup)"
				}
			}
		}
	}
	return false, ""
}

// Runtime handles the error of loading the onnxruntime library: nothing when
// it is nil, a failure when RuntimeRequired, a skip otherwise.
func Runtime(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if ok, why := RuntimeRequired(); ok {
		t.Fatalf("onnxruntime failed to load, and it is required here (%s): %v", why, err)
		return
	}
	t.Skipf("onnxruntime not available (run make setup): %v", err)
}

// HaveRuntime is Runtime for a test that goes on without onnxruntime (it
// leaves out only the cases that need it): it reports whether the library
// loaded, and fails t where it is required.
func HaveRuntime(t testing.TB, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	if ok, why := RuntimeRequired(); ok {
		t.Fatalf("onnxruntime failed to load, and it is required here (%s): %v", why, err)
		return false
	}
	t.Logf("onnxruntime not available; leaving out the cases that need it: %v", err)
	return false
}

// Checker handles python3-onnx's checker being unavailable (ok false, why
// says what is missing): a failure under CI, where setup installs it, a
// skip elsewhere.
func Checker(t testing.TB, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if CI() {
		t.Fatalf("ONNX checker unavailable under CI: %s", why)
		return
	}
	t.Skipf("ONNX checker unavailable: %s", why)
}

// Data handles the error of loading a data set such as MNIST: nothing when
// it is nil, a skip when the files are absent (the error wraps
// fs.ErrNotExist), a failure for anything else, such as a truncated or
// corrupt file that `make setup` should have replaced.
func Data(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("data not found (run make setup): %v", err)
		return
	}
	t.Fatalf("data present but unreadable: %v", err)
}

// repoRoot is the folder holding go.mod above the working directory (go
// test runs in the package's folder), or "".
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}
