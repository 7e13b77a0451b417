package infer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDirSinkStages: files go to a hidden sibling under their final names,
// --out appears only with the manifest, and the staging folder is gone.
func TestDirSinkStages(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	s, err := NewDirSink(out, "")
	if err != nil {
		t.Fatal(err)
	}
	if !s.staged || filepath.Dir(s.dir) != root || !strings.HasPrefix(filepath.Base(s.dir), ".out.partial-") {
		t.Fatalf("staged %v in %s; want a hidden .out.partial-* beside --out", s.staged, s.dir)
	}
	if err := s.Put("000000.png", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("--out exists before the manifest: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(s.dir, "000000.png")); string(b) != "a" {
		t.Fatal("the image is not in the staging folder under its own name")
	}
	if err := s.Put("000000.png", []byte("b")); err == nil {
		t.Error("a second file of the same name was accepted")
	}
	if err := s.Finish([]byte("m")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, ManifestName)); string(b) != "m" {
		t.Error("no manifest in --out after finish")
	}
	if left := s.Abort(); left != "" {
		t.Errorf("abort after finish left %s", left)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "000000.png")); string(b) != "a" {
		t.Error("abort after finish touched the output")
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("%d entries beside --out; want just --out", len(entries))
	}
}

// TestDirSinkAbort: an aborted run leaves neither --out nor staging.
func TestDirSinkAbort(t *testing.T) {
	root := t.TempDir()
	s, err := NewDirSink(filepath.Join(root, "out"), "")
	if err != nil {
		t.Fatal(err)
	}
	s.Put("000000.png", []byte("a"))
	if left := s.Abort(); left != "" {
		t.Errorf("abort left %s", left)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("abort left %v", entries[0].Name())
	}
}

// TestDirSinkKeepsFolder: an existing empty --out keeps its permissions,
// and a symbolic link to it stays a link to the finished output.
func TestDirSinkKeepsFolder(t *testing.T) {
	root := t.TempDir()
	reals := filepath.Join(root, "real")
	os.Mkdir(reals, 0o750)
	os.Chmod(reals, 0o750)
	link := filepath.Join(root, "link")
	if err := os.Symlink(reals, link); err != nil {
		t.Fatal(err)
	}
	s, err := NewDirSink(link, "")
	if err != nil {
		t.Fatal(err)
	}
	if !s.staged {
		t.Fatal("an empty folder behind a link was not staged")
	}
	if err := s.Finish([]byte("m")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("--out is no longer a link: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(link, ManifestName)); string(b) != "m" {
		t.Error("the manifest is not reached through the link")
	}
	if st, _ := os.Stat(reals); st.Mode().Perm() != 0o750 {
		t.Errorf("--out has mode %v; want its old 0750", st.Mode().Perm())
	}
}

// TestDirSinkInPlace: where swapping the folder would lose something or
// strand the process, files are written into --out itself.
func TestDirSinkInPlace(t *testing.T) {
	root := t.TempDir()
	mine := filepath.Join(root, "mine")
	os.Mkdir(mine, 0o755)
	os.WriteFile(filepath.Join(mine, "000000.png"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(mine, ManifestName), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(mine, "notes.txt"), []byte("mine"), 0o644)
	s, err := NewDirSink(mine, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.staged {
		t.Fatal("a folder with a file gan-gen did not write would be replaced")
	}
	if _, err := os.Stat(filepath.Join(mine, ManifestName)); !errors.Is(err, os.ErrNotExist) {
		t.Error("the old manifest is still there while the new images are written")
	}

	ours := filepath.Join(root, "ours")
	os.Mkdir(ours, 0o755)
	os.WriteFile(filepath.Join(ours, "sheet.png"), nil, 0o644)
	if s, _ := NewDirSink(ours, ""); s.staged {
		t.Error("an unknown sheet.png would be replaced")
	}
	if s, _ := NewDirSink(ours, "sheet.png"); !s.staged {
		t.Error("this run's own --grid sheet.png stops the folder being replaced")
	} else {
		if got := s.Redirect(filepath.Join(ours, "sheet.png")); got != filepath.Join(s.dir, "sheet.png") {
			t.Errorf("the grid in --out goes to %s; want the staging folder", got)
		}
		if got := s.Redirect(filepath.Join(root, "sheet.png")); got != filepath.Join(root, "sheet.png") {
			t.Errorf("a grid outside --out was moved to %s", got)
		}
		s.Abort()
	}

	here := filepath.Join(root, "here")
	os.Mkdir(here, 0o755)
	t.Chdir(here)
	if s, _ := NewDirSink(".", ""); s.staged {
		t.Error("the current folder would be swapped away")
	}
	noSiblings(t, root)
}

// noSiblings fails t when dir holds a staging or old folder.
func noSiblings(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".partial-") || strings.Contains(e.Name(), ".old-") {
			t.Errorf("%s left behind in %s", e.Name(), dir)
		}
	}
}
