package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/train"
)

// --augment and --cond-d are refused with exit 2 and a message naming the
// flag where they cannot apply.
func TestAugmentCondDRefused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--augment", "color"}, []string{"--augment color", "RGB", "1 channel"}},
		{[]string{"--augment", "translation,flip"}, []string{"--augment", `"flip"`, "translation, cutout, color"}},
		{[]string{"--augment", "cutout,cutout"}, []string{"--augment", "twice"}},
		{[]string{"--model", "vae", "--augment", "cutout"}, []string{"--augment applies to GANs"}},
		{[]string{"--cond-d", "projection"}, []string{"--cond-d projection", "--conditional"}},
		{[]string{"--conditional", "--cond-d", "sum"}, []string{"--cond-d", "sum", "concat or projection"}},
		{[]string{"--model", "mlp", "--conditional", "--cond-d", "projection"}, []string{"--cond-d projection", "mlp"}},
	} {
		code, msg := runCLI(t, append(c.args, "--steps", "1", "--out", filepath.Join(t.TempDir(), "r"))...)
		if code != 2 {
			t.Errorf("gan-train %v: exit %d, want 2: %s", c.args, code, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("gan-train %v: %q does not mention %q", c.args, msg, w)
			}
		}
	}
}

// An RGB folder trains with every transform and a projection D;
// config.json records both settings, and a resume must keep them.
func TestAugmentProjectionRun(t *testing.T) {
	folder := writeFolder(t, 8, 28)
	out := filepath.Join(t.TempDir(), "run")
	code, msg := runCLI(t, "--data", folder, "--image-size", "28", "--conditional", "--cond-d", "projection",
		"--augment", "color, translation,cutout", "--r1", "1", "--steps", "2", "--batch-size", "4", "--threads", "1", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	cfg, err := train.ReadConfig(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Augment != "color,translation,cutout" || cfg.Model.CondD != "projection" {
		t.Errorf("config.json: augment %q, cond_d %q", cfg.Augment, cfg.Model.CondD)
	}
	for _, f := range [][]string{{"--augment", "translation"}, {"--cond-d", "concat"}} {
		if code, msg := runCLI(t, "--resume", out, "--steps", "3", f[0], f[1]); code != 2 || !strings.Contains(msg, "saved run's "+f[0]) {
			t.Errorf("resume with %v: exit %d: %s", f, code, msg)
		}
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "3", "--augment", "color,translation, cutout", "--cond-d", "projection"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, msg)
	}
	if _, err := os.Stat(filepath.Join(out, "generator.onnx")); err != nil {
		t.Error(err)
	}
}
