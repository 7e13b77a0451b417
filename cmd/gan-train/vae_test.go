package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/train"
)

// --model vae trains with the VAE's defaults unless a flag says otherwise,
// exports a generator of kind vae, and resumes under the same rules as a
// GAN; GAN flags are refused for a VAE and VAE flags for a GAN.
func TestVAEFlags(t *testing.T) {
	folder := writeFolder(t, 6, 28)
	out := filepath.Join(t.TempDir(), "vae")
	common := []string{"--data", folder, "--image-size", "28", "--batch-size", "3", "--threads", "1"}
	code, msg := runCLI(t, append(common, "--model", "vae", "--recon", "l1", "--lr-d", "5e-4", "--steps", "2", "--out", out)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	cfg, err := train.ReadConfig(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model.Kind != "vae" || cfg.Recon != train.ReconL1 || cfg.Beta != 1 || cfg.Loss != "" ||
		cfg.LrG != 1e-3 || cfg.LrD != 5e-4 || cfg.Beta1 != 0.9 || cfg.Beta2 != 0.999 || cfg.GPWeight != 0 {
		t.Errorf("config %+v: want the VAE defaults with recon l1 and lr-d 5e-4", cfg)
	}
	if !strings.Contains(msg, "recon") || !strings.Contains(msg, "training vae") {
		t.Errorf("stderr %q", msg)
	}
	b, err := os.ReadFile(filepath.Join(out, train.ExportName))
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnx.Read(strings.NewReader(string(b)))
	if err != nil || onnx.Meta(m)[models.MetaKind] != "vae" {
		t.Errorf("exported model: %v, kind %q", err, onnx.Meta(m)[models.MetaKind])
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "3", "--model", "vae", "--recon", "mse"); code != 2 || !strings.Contains(msg, "--recon mse differs from the saved run's --recon l1") {
		t.Errorf("resume with another --recon: exit %d: %s", code, msg)
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "3", "--lr-g", "1e-3"); code != 0 || !strings.Contains(msg, "resuming") {
		t.Fatalf("resume: exit %d: %s", code, msg)
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--model", "vae", "--loss", "hinge"}, "--loss applies to GANs"},
		{[]string{"--model", "vae", "--d-steps", "2"}, "--d-steps applies to GANs"},
		{[]string{"--model", "vae", "--recon", "huber"}, "--recon \"huber\""},
		{[]string{"--model", "vae", "--beta", "-1"}, "--beta -1"},
		{[]string{"--model", "dcgan", "--beta", "2"}, "--beta applies to --model vae"},
		{[]string{"--recon", "mse"}, "--recon applies to --model vae"},
	}
	for _, c := range bad {
		args := append(append([]string{}, common...), c.args...)
		args = append(args, "--steps", "1", "--out", filepath.Join(t.TempDir(), "x"))
		if code, msg := runCLI(t, args...); code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("gan-train %v: exit %d, %q; want exit 2 mentioning %q", c.args, code, msg, c.want)
		}
	}
}
