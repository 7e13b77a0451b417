package command

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// /dev/null is a character device but not a terminal; nor is a file, a
// pipe or a buffer.
func TestNotTerminals(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var nilFile *os.File
	for name, x := range map[string]any{"/dev/null": null, "a file": file, "a pipe": w, "a buffer": &bytes.Buffer{}, "a nil file": nilFile, "nil": nil} {
		if IsTerminal(x) {
			t.Errorf("%s counts as a terminal", name)
		}
	}
}
