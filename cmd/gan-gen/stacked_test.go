package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/npy"
)

// tarMembers reads a tar archive into its members' names and contents.
func tarMembers(t *testing.T, b []byte) ([]string, map[string][]byte) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var names []string
	body := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, body
		}
		if err != nil {
			t.Fatalf("reading the tar: %v", err)
		}
		names = append(names, h.Name)
		body[h.Name], _ = io.ReadAll(tr)
	}
}

// TestStackedNpy: --format npy makes one stacked (N,C,H,W) float32 array,
// streamed batch by batch, the same bytes in a folder, as --out FILE.npy,
// in the tar on stdout and in a tar file; it holds infer's images in order
// and reads back with the reader gan-eval --npy uses.
func TestStackedNpy(t *testing.T) {
	needLibrary(t)
	root := t.TempDir()
	args := []string{"--model", grayModel, "-n", "5", "--seed", "3", "--batch", "2"}
	dir := filepath.Join(root, "dir")
	mustRun(t, append(args, "--format", "npy", "--out", dir)...)
	want, err := os.ReadFile(filepath.Join(dir, stackedName))
	if err != nil {
		t.Fatal(err)
	}
	if l := readManifest(t, dir); strings.Join(l, " ") != "index,seed,label 0,3, 1,4, 2,5, 3,6, 4,7," {
		t.Errorf("manifest %v", l)
	}

	// A folder holding other files is written in place, the array through
	// a temporary name.
	inPlace := filepath.Join(root, "inplace")
	os.Mkdir(inPlace, 0o755)
	os.WriteFile(filepath.Join(inPlace, "notes.txt"), []byte("mine"), 0o644)
	mustRun(t, append(args, "--format", "npy", "--out", inPlace, "--overwrite")...)
	if got, _ := os.ReadFile(filepath.Join(inPlace, stackedName)); !bytes.Equal(got, want) {
		t.Errorf("%s written in place differs", stackedName)
	}
	if entries, _ := os.ReadDir(inPlace); len(entries) != 3 {
		t.Errorf("%d files in the folder written in place; want notes.txt, %s and %s", len(entries), stackedName, manifestName)
	}

	file := filepath.Join(root, "sub", "x.npy") // the folder is made
	_, msg := mustRun(t, append(args, "--out", file)...)
	if got, _ := os.ReadFile(file); !bytes.Equal(got, want) {
		t.Errorf("--out FILE.npy differs from --format npy --out DIR's %s", stackedName)
	}
	if !strings.Contains(msg, "wrote 5 images as one (5,1,8,8) float32 array to "+file) {
		t.Errorf("stderr %q", msg)
	}

	out, _ := mustRun(t, append(args, "--format", "npy", "--out", "-")...)
	names, body := tarMembers(t, out)
	if strings.Join(names, " ") != stackedName+" "+manifestName || !bytes.Equal(body[stackedName], want) {
		t.Errorf("tar on stdout: members %v, %s equal: %v", names, stackedName, bytes.Equal(body[stackedName], want))
	}
	tarFile := filepath.Join(root, "x.tar")
	mustRun(t, append(args, "--format", "npy", "--out", tarFile)...)
	b, _ := os.ReadFile(tarFile)
	names, body = tarMembers(t, b)
	if strings.Join(names, " ") != stackedName+" "+manifestName || !bytes.Equal(body[stackedName], want) {
		t.Errorf("tar file: members %v, %s equal: %v", names, stackedName, bytes.Equal(body[stackedName], want))
	}

	shape, data, err := npy.Read(bytes.NewReader(want))
	if err != nil || fmt.Sprint(shape) != "[5 1 8 8]" {
		t.Fatalf("npy.Read: shape %v, %v; want (5,1,8,8)", shape, err)
	}
	g, err := infer.Open(grayModel)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ref, err := g.Generate(t.Context(), infer.Request{Seeds: []uint64{3, 4, 5, 6, 7}})
	if err != nil {
		t.Fatal(err)
	}
	sameImage(t, "stacked npy", data, ref.Data)
	noSiblings(t, root)
	noSiblings(t, filepath.Join(root, "sub"))
}

// TestOutByName: --out's name says what it is; names of files gan-gen
// cannot write are refused rather than made into folders, and an existing
// file is replaced only with --overwrite.
func TestOutByName(t *testing.T) {
	root := t.TempDir()
	in := func(name string) string { return filepath.Join(root, name) }
	os.Mkdir(in("d.npy"), 0o755)
	os.WriteFile(in("old.npy"), []byte("old"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", in("x.png")}, "not a .png image; for a contact sheet, give --grid " + in("x.png")},
		{[]string{"--out", in("x.zip")}, "not a .zip archive"},
		{[]string{"--out", in("x.npy"), "--format", "png"}, "--format png does not apply"},
		{[]string{"--out", in("x.npy"), "--interpolate", "4"}, "into a folder: give --out DIR"},
		{[]string{"--out", in("x.tar"), "--interpolate", "4"}, "into a folder: give --out DIR"},
		{[]string{"--out", in("d.npy")}, "is a folder; a name ending in .npy is written as one file"},
		{[]string{"--out", in("old.npy")}, "exists; choose a new name, or add --overwrite"},
	} {
		code, _, msg := runCLI(t, append([]string{"--model", grayModel, "-n", "2"}, c.args...)...)
		if code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("gan-gen %v: exit %d, %q; want exit 2 mentioning %q", c.args, code, msg, c.want)
		}
		if _, err := os.Stat(in("x.png")); err == nil {
			t.Fatalf("gan-gen %v made %s", c.args, in("x.png"))
		}
	}
	if b, _ := os.ReadFile(in("old.npy")); string(b) != "old" {
		t.Errorf("a refused run changed old.npy")
	}

	needLibrary(t)
	mustRun(t, "--model", grayModel, "-n", "3", "--out", in("old.npy"), "--overwrite")
	if shape, _ := readNpy(t, in("old.npy")); fmt.Sprint(shape) != "[3 1 8 8]" {
		t.Errorf("--overwrite: shape %v; want (3,1,8,8)", shape)
	}
	mustRun(t, "--model", grayModel, "-n", "2", "--out", in("UP.NPY"))
	readNpy(t, in("UP.NPY"))
	mustRun(t, "--model", grayModel, "-n", "2", "--out", in("x.tar"))
	b, _ := os.ReadFile(in("x.tar"))
	if names, _ := tarMembers(t, b); strings.Join(names, " ") != "000000.png 000001.png manifest.csv" {
		t.Errorf("--out x.tar: members %v", names)
	}
	// A run that fails after the file was started leaves no file behind.
	code, _, msg := runCLI(t, "--model", grayModel, "-n", "2", "--out", in("late.npy"), "--grid", "/proc/sheet.png")
	if code == 0 || !strings.Contains(msg, "--grid /proc/sheet.png") {
		t.Errorf("--grid in /proc: exit %d, %q", code, msg)
	}
	if _, err := os.Stat(in("late.npy")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run left late.npy: %v", err)
	}
	noSiblings(t, root)
}

// TestInterruptFile: an interrupted --out FILE.npy leaves no file, or
// with --overwrite the previous file as it was.
func TestInterruptFile(t *testing.T) {
	needLibrary(t)
	root := t.TempDir()
	file := filepath.Join(root, "x.npy")
	interrupt := func(extra ...string) (string, int) {
		cmd := exec.Command(os.Args[0], append([]string{"--model", grayModel, "-n", "5000000", "--batch", "64", "--out", file}, extra...)...)
		cmd.Env = append(os.Environ(), "GAN_GEN_AS_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			m, _ := filepath.Glob(filepath.Join(root, ".x.npy.partial-*"))
			if len(m) > 0 {
				if st, err := os.Stat(m[0]); err == nil && st.Size() > 100*256 {
					break
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no partial file after 20s:\n%s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(os.Interrupt)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("exit: %v", err)
		}
		return stderr.String(), ee.ExitCode()
	}
	msg, code := interrupt()
	if code != 130 || !strings.Contains(msg, "nothing was written to "+file) {
		t.Errorf("exit %d, stderr %s", code, msg)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted run left %s: %v", file, err)
	}
	os.WriteFile(file, []byte("previous"), 0o644)
	msg, code = interrupt("--overwrite")
	if code != 130 || !strings.Contains(msg, file+" still holds the previous output") {
		t.Errorf("--overwrite: exit %d, stderr %s", code, msg)
	}
	if b, _ := os.ReadFile(file); string(b) != "previous" {
		t.Errorf("an interrupted --overwrite changed %s", file)
	}
	noSiblings(t, root)
}
