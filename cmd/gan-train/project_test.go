package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gogan/gan/train"
	"github.com/gogan/gan/train/data"
)

// trainedRun trains a 28x28 gray DCGAN for one step on a two-class folder
// (cats, dogs) and returns the run folder and the image folder.
func trainedRun(t *testing.T, extra ...string) (run, folder string) {
	t.Helper()
	folder = writeFolder(t, 6, 28)
	run = filepath.Join(t.TempDir(), "run")
	args := append([]string{"--data", folder, "--image-size", "28", "--channels", "1",
		"--steps", "1", "--batch-size", "2", "--threads", "1", "--out", run}, extra...)
	if code, msg := runCLI(t, args...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, msg)
	}
	return run, folder
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// `gan-train project` writes the latents, one reconstruction per image, the
// comparison sheet and the error table, for image files and for MNIST test
// digits; `gan-train direction` writes a (1, z_dim) latent file.
func TestProjectAndDirectionCommands(t *testing.T) {
	run, folder := trainedRun(t)
	imgs, _ := filepath.Glob(filepath.Join(folder, "cats", "*.png"))
	out := filepath.Join(t.TempDir(), "proj")
	args := append([]string{"project", "--run", run, "--out", out, "--steps", "4", "--restarts", "2", "--threads", "1", "--feature-weight", "0.01"}, imgs[:2]...)
	code, msg := runCLI(t, args...)
	if code != 0 || !strings.Contains(msg, "projecting 2 images") || !strings.Contains(msg, "feature weight 0.01") {
		t.Fatalf("project: exit %d: %s", code, msg)
	}
	z, err := train.ReadLatents(filepath.Join(out, "latents.npy"), 100)
	if err != nil || z.Dim(0) != 2 {
		t.Fatalf("latents.npy: %v, %v; want (2, 100)", z, err)
	}
	recon := readPNG(t, filepath.Join(out, "recon-001.png"))
	if b := recon.Bounds(); b.Dx() != 28 || b.Dy() != 28 {
		t.Errorf("recon-001.png is %v, want 28x28", b)
	}
	if _, ok := recon.(*image.Gray); !ok {
		t.Errorf("recon-001.png of a gray model is a %T, want a gray PNG", recon)
	}
	// Two targets above two reconstructions, 28 pixels and a 2-pixel border.
	if b := readPNG(t, filepath.Join(out, "compare.png")).Bounds(); b.Dx() != 2*30+2 || b.Dy() != 2*30+2 {
		t.Errorf("compare.png is %v, want 62x62", b)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "errors.csv"))
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "index,image,pixel_mae") {
		t.Errorf("errors.csv:\n%s", csv)
	}

	if _, err := os.Stat(filepath.Join(data.DefaultMNISTDir(), "t10k-images-idx3-ubyte.gz")); err == nil {
		out2 := filepath.Join(t.TempDir(), "mnist")
		code, msg := runCLI(t, "project", "--run", run, "--out", out2, "--mnist-test", "3", "--steps", "2", "--restarts", "1", "--feature-weight", "0", "--loss", "l1")
		if code != 0 {
			t.Fatalf("project --mnist-test: exit %d: %s", code, msg)
		}
		if z, err := train.ReadLatents(filepath.Join(out2, "latents.npy"), 100); err != nil || z.Dim(0) != 3 {
			t.Errorf("--mnist-test 3: %v, %v", z, err)
		}
		// --mnist-test-class 1 takes the first test 1s (indices 2, 5 and 14),
		// the targets of README's direction figure.
		out3 := filepath.Join(t.TempDir(), "ones")
		code, msg = runCLI(t, "project", "--run", run, "--out", out3, "--mnist-test", "3", "--mnist-test-class", "1", "--steps", "2", "--restarts", "1")
		if code != 0 {
			t.Fatalf("project --mnist-test-class 1: exit %d: %s", code, msg)
		}
		csv, _ := os.ReadFile(filepath.Join(out3, "errors.csv"))
		for _, want := range []string{"mnist-test-2 (digit 1)", "mnist-test-5 (digit 1)", "mnist-test-14 (digit 1)"} {
			if !strings.Contains(string(csv), want) {
				t.Errorf("--mnist-test-class 1: errors.csv lacks %q:\n%s", want, csv)
			}
		}
		if strings.Count(strings.TrimSpace(string(csv)), "\n") != 3 || strings.Contains(string(csv), "digit 7") {
			t.Errorf("--mnist-test-class 1 projected other digits:\n%s", csv)
		}
		// A list keeps test-set order: the first test digit is a 7, the
		// fourth a 0 (README's interpolation figure).
		out4 := filepath.Join(t.TempDir(), "pair")
		code, msg = runCLI(t, "project", "--run", run, "--out", out4, "--mnist-test", "2", "--mnist-test-class", "7,0", "--steps", "2", "--restarts", "1")
		csv, _ = os.ReadFile(filepath.Join(out4, "errors.csv"))
		if code != 0 || !strings.Contains(string(csv), "mnist-test-0 (digit 7)") || !strings.Contains(string(csv), "mnist-test-3 (digit 0)") {
			t.Errorf("--mnist-test-class 7,0: exit %d: %s\n%s", code, msg, csv)
		}
	}

	dir := filepath.Join(t.TempDir(), "d.npy")
	code, msg = runCLI(t, "direction", "--run", run, "--from", "cats", "--to", "1", "--n", "2", "--steps", "2", "--restarts", "1", "-o", dir)
	if code != 0 || !strings.Contains(msg, "projecting 2 images of class cats") {
		t.Fatalf("direction: exit %d: %s", code, msg)
	}
	d, err := train.ReadLatents(dir, 100)
	if err != nil || !slices.Equal(d.Shape(), []int{1, 100}) {
		t.Fatalf("direction file: %v, %v", d, err)
	}
}

func TestProjectCommandErrors(t *testing.T) {
	run, folder := trainedRun(t)
	img, _ := filepath.Glob(filepath.Join(folder, "dogs", "*.png"))
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "keep"), []byte("x"), 0o644)
	fresh := func() string { return filepath.Join(t.TempDir(), "o") }
	noCkpt := t.TempDir()
	cfg, _ := os.ReadFile(filepath.Join(run, "config.json"))
	os.WriteFile(filepath.Join(noCkpt, "config.json"), cfg, 0o644)
	notImage := filepath.Join(t.TempDir(), "x.png")
	os.WriteFile(notImage, []byte("not a png"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"project", "--out", fresh(), img[0]}, 2, "needs --run"},
		{[]string{"project", "--run", "/no/such/run", "--out", fresh(), img[0]}, 2, "no such run folder"},
		{[]string{"project", "--run", noCkpt, "--out", fresh(), img[0]}, 1, "no checkpoint yet"},
		{[]string{"project", "--run", run, img[0]}, 2, "needs --out"},
		{[]string{"project", "--run", run, "--out", full, img[0]}, 2, "not empty"},
		{[]string{"project", "--run", run, "--out", fresh()}, 2, "nothing to project"},
		{[]string{"project", "--run", run, "--out", fresh(), "--mnist-test", "2", img[0]}, 2, "not both"},
		{[]string{"project", "--run", run, "--out", fresh(), "--mnist-test-class", "1", img[0]}, 2, "--mnist-test-class applies to --mnist-test K"},
		{[]string{"project", "--run", run, "--out", fresh(), "--mnist-test", "2", "--mnist-test-class", "10"}, 2, "want digits 0-9"},
		{[]string{"project", "--run", run, "--out", fresh(), "/no/such.png"}, 2, "no such image"},
		{[]string{"project", "--run", run, "--out", fresh(), notImage}, 2, "not a readable image"},
		{[]string{"project", "--run", run, "--out", fresh(), "--loss", "l3", img[0]}, 2, "--loss l3"},
		{[]string{"project", "--run", run, "--out", fresh(), "--steps", "0", img[0]}, 2, "--steps 0"},
		{[]string{"project", "--run", run, "--out", fresh(), "--feature-weight", "-1", img[0]}, 2, "--feature-weight"},
		{[]string{"project", "--run", run, "--out", fresh(), "--label", "cats", img[0]}, 2, "not conditional"},
		{[]string{"direction", "--run", run, "--from", "cats", "-o", fresh() + ".npy"}, 2, "--to CLASS"},
		{[]string{"direction", "--run", run, "--from", "cats", "--to", "dogs"}, 2, "-o FILE.npy"},
		{[]string{"direction", "--run", run, "--from", "cats", "--to", "dogs", "-o", fresh()}, 2, "name a .npy file"},
		{[]string{"direction", "--run", run, "--from", "cats", "--to", "dogs", "-o", "/no/such/dir/d.npy"}, 2, "does not exist"},
		{[]string{"direction", "--run", run, "--from", "cats", "--to", "cats", "-o", fresh() + ".npy"}, 2, "both class cats"},
		{[]string{"direction", "--run", run, "--from", "cats", "--to", "birds", "-o", fresh() + ".npy"}, 2, `class "birds"`},
		{[]string{"direction", "--run", run, "--from", "cats", "--to", "dogs", "--n", "0", "-o", fresh() + ".npy"}, 2, "--n 0"},
	}
	for _, c := range cases {
		code, msg := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(msg, c.want) || strings.Contains(msg, "goroutine ") {
			t.Errorf("gan-train %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, msg, c.code, c.want)
		}
	}
	if ents, _ := os.ReadDir(full); len(ents) != 1 {
		t.Errorf("a refused --out was written to: %v", ents)
	}

	cond, _ := trainedRun(t, "--conditional")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"direction", "--run", cond, "--from", "cats", "--to", "dogs", "-o", fresh() + ".npy"}, "conditional"},
		{[]string{"project", "--run", cond, "--out", fresh(), img[0]}, "--label K"},
		{[]string{"project", "--run", cond, "--out", fresh(), "--label", "birds", img[0]}, `class "birds"`},
	} {
		if code, msg := runCLI(t, c.args...); code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("gan-train %v: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, msg, c.want)
		}
	}
	if code, msg := runCLI(t, "project", "--run", cond, "--out", fresh(), "--label", "dogs", "--steps", "2", "--restarts", "1", img[0]); code != 0 {
		t.Errorf("conditional projection with --label: exit %d: %s", code, msg)
	}
}

// A vae run's latents come from its encoder (refined on request), for
// projection and for directions.
func TestProjectVAE(t *testing.T) {
	run, _ := trainedRun(t, "--model", "vae")
	imgs := []string{filepath.Join(t.TempDir(), "a.png")}
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 40, 30)))
	os.WriteFile(imgs[0], buf.Bytes(), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"project", "--out", filepath.Join(t.TempDir(), "o")}, "the vae encoder's posterior means"},
		{[]string{"project", "--out", filepath.Join(t.TempDir(), "o"), "--refine", "--steps", "2"}, "refined by l2 loss"},
		{[]string{"direction", "--from", "cats", "--to", "dogs", "--n", "2", "-o", filepath.Join(t.TempDir(), "d.npy")}, "of class cats: the vae encoder's"},
	} {
		args := append(append(c.args[:1:1], "--run", run), c.args[1:]...)
		if c.args[0] == "project" {
			args = append(args, imgs...)
		}
		if code, msg := runCLI(t, args...); code != 0 || !strings.Contains(msg, c.want) {
			t.Errorf("gan-train %v: exit %d, stderr %q; want success mentioning %q", args, code, msg, c.want)
		}
	}
	dcgan, _ := trainedRun(t)
	if code, msg := runCLI(t, "project", "--run", dcgan, "--out", filepath.Join(t.TempDir(), "o"), "--refine", imgs[0]); code != 2 || !strings.Contains(msg, "--refine applies to vae runs") {
		t.Errorf("--refine on a dcgan run: exit %d: %s", code, msg)
	}
}
