package infer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// OutputKind is what an output name names, as gan-gen's --out reads it.
type OutputKind int

const (
	OutputNone   OutputKind = iota // "": no output (a contact sheet alone, say)
	OutputStdout                   // "-": a tar stream on the caller's writer
	OutputDir                      // a folder of images and manifest.csv
	OutputTar                      // FILE.tar: the tar stream, in a file
	OutputNpy                      // FILE.npy: every image in one stacked (N,C,H,W) float32 array
)

// fileLike are extensions that name a kind of file no sink writes;
// without this, x.png would quietly become a folder named x.png.
var fileLike = map[string]string{
	".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image", ".webp": "image",
	".npz": "archive", ".zip": "archive", ".gz": "archive", ".tgz": "archive", ".bz2": "archive", ".xz": "archive", ".zst": "archive",
	".csv": "file", ".json": "file", ".onnx": "file",
}

// OutputNameError is OutputKindOf's refusal of a name that looks like
// another kind of file: Ext is its extension, What "image", "archive" or
// "file".
type OutputNameError struct{ Name, Ext, What string }

func (e *OutputNameError) Error() string {
	return fmt.Sprintf("infer: output %s: a %s %s; name a folder, FILE.npy, FILE.tar or -", e.Name, e.Ext, e.What)
}

// OutputKindOf tells the kind of output from its name: "", "-", a name
// ending in .npy or .tar, or else a folder. Names of other kinds of file
// (.png, .zip, .csv, ...) are refused with an *OutputNameError.
func OutputKindOf(name string) (OutputKind, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case name == "":
		return OutputNone, nil
	case name == "-":
		return OutputStdout, nil
	case ext == ".npy":
		return OutputNpy, nil
	case ext == ".tar":
		return OutputTar, nil
	}
	if what, ok := fileLike[ext]; ok {
		return OutputNone, &OutputNameError{Name: name, Ext: ext, What: what}
	}
	return OutputDir, nil
}

// The reasons CheckOutput refuses an output, inside an *OutputError.
var (
	ErrOutputExists    = errors.New("exists")      // a file, and overwrite is off
	ErrOutputIsFolder  = errors.New("is a folder") // a file name that is a folder
	ErrOutputNotFolder = errors.New("exists and is not a folder")
	ErrOutputNotEmpty  = errors.New("is not empty") // a folder with files, and overwrite is off
)

// OutputError is an output that cannot be written: Err is one of the
// ErrOutput reasons, or the file system's error.
type OutputError struct {
	Name string
	Err  error
}

func (e *OutputError) Error() string { return "infer: output " + e.Name + ": " + e.Err.Error() }
func (e *OutputError) Unwrap() error { return e.Err }

// CheckOutput checks, before any work is done, that the output name of
// kind can be written: a file that is not there (or may be overwritten),
// a folder that is not there or is empty (or may be overwritten). It
// changes nothing; OpenOutput then makes the sink.
func CheckOutput(kind OutputKind, name string, overwrite bool) error {
	if kind != OutputDir && kind != OutputTar && kind != OutputNpy {
		return nil
	}
	fail := func(err error) error { return &OutputError{Name: name, Err: unwrapPath(err)} }
	st, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fail(err)
	case kind != OutputDir && st.IsDir():
		return fail(ErrOutputIsFolder)
	case kind != OutputDir && !overwrite:
		return fail(ErrOutputExists)
	case kind != OutputDir:
		return nil
	case !st.IsDir():
		return fail(ErrOutputNotFolder)
	}
	entries, err := os.ReadDir(name)
	if err != nil {
		return fail(err)
	}
	if len(entries) > 0 && !overwrite {
		return fail(ErrOutputNotEmpty)
	}
	return nil
}

// Output is where a sampling run's images go, made by OpenOutput.
type Output struct {
	Kind    OutputKind
	Name    string
	Sink    Sink     // nil for OutputNone
	Dir     *DirSink // Sink, when Kind is OutputDir
	Existed bool     // the FILE.npy or FILE.tar being replaced was there before
}

// OpenOutput makes the sink for an output of kind named name (checked by
// CheckOutput): a staged folder, a .npy or .tar file written atomically,
// or a tar stream on stdout. keep names a file the run writes into the
// folder besides the images and manifest (a contact sheet), or "".
func OpenOutput(kind OutputKind, name string, stdout io.Writer, keep string) (*Output, error) {
	o := &Output{Kind: kind, Name: name}
	switch kind {
	case OutputStdout:
		o.Sink = NewTarSink(stdout, "stdout")
	case OutputNpy:
		f, err := CreateNpy(name)
		if err != nil {
			return nil, err
		}
		o.Sink, o.Existed = f, f.Existed()
	case OutputTar:
		t, err := CreateTar(name)
		if err != nil {
			return nil, err
		}
		o.Sink, o.Existed = t, t.Existed()
	case OutputDir:
		d, err := NewDirSink(name, keep)
		if err != nil {
			return nil, err
		}
		o.Dir, o.Sink = d, d
	}
	return o, nil
}
