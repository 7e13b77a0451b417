package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/train"
)

// runCLI runs gan-train in-process and returns its exit code and stderr.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code := run(append([]string{"gan-train"}, args...), f)
	b, _ := os.ReadFile(f.Name())
	return code, string(b)
}

// writeFolder writes n random RGB size x size PNGs in two class folders.
func writeFolder(t *testing.T, n, size int) string {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < n; i++ {
		sub := filepath.Join(dir, []string{"cats", "dogs"}[i%2])
		os.MkdirAll(sub, 0o755)
		img := image.NewRGBA(image.Rect(0, 0, size+8, size))
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = uint8(rng.IntN(256)), uint8(i*20), 90, 255
		}
		img.Set(0, 0, color.RGBA{255, 0, 0, 255})
		var buf bytes.Buffer
		png.Encode(&buf, img)
		os.WriteFile(filepath.Join(sub, filepath.Base(t.Name())+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".png"), buf.Bytes(), 0o644)
	}
	return dir
}

func TestBadInput(t *testing.T) {
	nonEmpty := t.TempDir()
	os.WriteFile(filepath.Join(nonEmpty, "keep.txt"), []byte("mine"), 0o644)
	folder := writeFolder(t, 4, 16)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--epochs", "1", "--steps", "5"}, 2, "not both"},
		{[]string{"--loss", "wgan"}, 2, "--loss"},
		{[]string{"--model", "vgg"}, 2, "unknown model"},
		{[]string{"--image-size", "32"}, 2, "MNIST images are 28x28"},
		{[]string{"--data", folder, "--image-size", "48"}, 2, "28, 32 or 64"},
		{[]string{"--data", "/no/such/dir"}, 2, "--data /no/such/dir"},
		{[]string{"--batch-size", "0"}, 2, "--batch-size"},
		{[]string{"--ema", "1.5"}, 2, "--ema"},
		{[]string{"--r1", "1", "--r1-every", "0"}, 2, "--r1-every 0"},
		{[]string{"--model", "vae", "--r1-every", "4"}, 2, "--r1-every applies to GANs"},
		{[]string{"--no-such-flag"}, 2, "no-such-flag"},
		{[]string{"--out", nonEmpty, "--steps", "1"}, 2, "not empty"},
		{[]string{"--resume", t.TempDir()}, 2, "config.json"},
		{[]string{"--out", "/proc/forbidden/run", "--steps", "1", "--data", folder, "--image-size", "28", "--batch-size", "2"}, 1, "/proc/forbidden/run"},
	}
	for _, c := range cases {
		code, msg := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(msg, c.want) || strings.Contains(msg, "goroutine ") {
			t.Errorf("gan-train %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, msg, c.code, c.want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(nonEmpty, "keep.txt")); string(b) != "mine" {
		t.Error("a refused --out folder was modified")
	}
}

func TestConditionalNeedsLabels(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 28, 28)))
	for _, n := range []string{"a.png", "b.png"} {
		os.WriteFile(filepath.Join(dir, n), buf.Bytes(), 0o644)
	}
	code, msg := runCLI(t, "--data", dir, "--image-size", "28", "--channels", "1", "--conditional", "--steps", "1", "--batch-size", "2", "--out", filepath.Join(t.TempDir(), "r"))
	if code != 2 || !strings.Contains(msg, "--conditional needs labelled data") {
		t.Errorf("exit %d: %s", code, msg)
	}
}

// An RGB folder of 64x64 images trains end to end with the 64-pixel DCGAN,
// conditional on the subfolder classes, and the run can be resumed with
// more steps while other settings are kept.
func TestFolderTrainAndResume(t *testing.T) {
	folder := writeFolder(t, 8, 64)
	out := filepath.Join(t.TempDir(), "run")
	code, msg := runCLI(t, "--data", folder, "--conditional", "--steps", "2", "--batch-size", "4", "--threads", "1", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	cfg, err := train.ReadConfig(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model.Size != 64 || cfg.Model.Channels != 3 || cfg.Model.Classes != 2 {
		t.Errorf("config model %+v, want 64px RGB with 2 classes", cfg.Model)
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "3", "--loss", "lsgan"); code != 2 || !strings.Contains(msg, "--loss lsgan differs from the saved run's --loss hinge") {
		t.Errorf("resume with a changed loss: exit %d: %s", code, msg)
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "3", "--batch-size", "4"); code != 0 || !strings.Contains(msg, "resuming") {
		t.Fatalf("resume: exit %d: %s", code, msg)
	}
	ck, err := train.ReadCheckpoint(filepath.Join(out, "checkpoints", "latest.ckpt"))
	if err != nil || ck.Meta.Step != 3 {
		t.Fatalf("after resume: %v, step %v", err, ck)
	}
}

// --r1-every and --ema-warmup reach config.json, and a resumed run keeps
// them.
func TestLazyR1AndEMAWarmupFlags(t *testing.T) {
	folder := writeFolder(t, 4, 28)
	out := filepath.Join(t.TempDir(), "run")
	code, msg := runCLI(t, "--data", folder, "--image-size", "28", "--channels", "1", "--steps", "1", "--batch-size", "2",
		"--threads", "1", "--r1", "1", "--r1-every", "4", "--ema", "0.9", "--ema-warmup", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	cfg, err := train.ReadConfig(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.R1Every != 4 || !cfg.EMAWarmup {
		t.Errorf("config r1_every %d, ema_warmup %v; want 4 and true", cfg.R1Every, cfg.EMAWarmup)
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "2", "--r1-every", "2"); code != 2 || !strings.Contains(msg, "--r1-every 2 differs from the saved run's --r1-every 4") {
		t.Errorf("resume with another --r1-every: exit %d: %s", code, msg)
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "2", "--r1-every", "4", "--ema-warmup"); code != 0 {
		t.Errorf("resume repeating the settings: exit %d: %s", code, msg)
	}
}
