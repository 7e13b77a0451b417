package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
)

// --model resnet trains and exports a conditional RGB folder model; the
// config records the width, the default one when --width is not given;
// --width belongs to the resnet only, and a resume keeps it.
func TestResnetFlags(t *testing.T) {
	folder := writeFolder(t, 4, 32)
	run := filepath.Join(t.TempDir(), "run")
	code, msg := runCLI(t, "--data", folder, "--image-size", "32", "--model", "resnet", "--width", "8", "--conditional",
		"--steps", "2", "--batch-size", "2", "--threads", "1", "--out", run)
	if code != 0 || !strings.Contains(msg, "exported the generator") {
		t.Fatalf("train: exit %d: %s", code, msg)
	}
	cfg, err := train.ReadConfig(filepath.Join(run, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model.Kind != "resnet" || cfg.Model.Width != 8 || cfg.Model.Classes != 2 {
		t.Errorf("config model %+v, want a conditional resnet of width 8", cfg.Model)
	}
	if meta := readModelMeta(t, filepath.Join(run, train.ExportName)); meta[models.MetaKind] != "conditional-resnet" {
		t.Errorf("generator.onnx kind %q, want conditional-resnet", meta[models.MetaKind])
	}
	if code, msg := runCLI(t, "--resume", run, "--model", "resnet", "--steps", "3", "--width", "16"); code != 2 || !strings.Contains(msg, "--width 16 differs") {
		t.Errorf("resume with another width: exit %d: %s", code, msg)
	}

	if code, msg := runCLI(t, "--width", "16", "--steps", "1", "--out", filepath.Join(t.TempDir(), "d")); code != 2 || !strings.Contains(msg, "--model resnet") {
		t.Errorf("--width with dcgan: exit %d: %s", code, msg)
	}
	cfg, err = configFromArgs(t, "--model", "resnet")
	if err != nil || cfg.Model.Width != models.DefaultWidth {
		t.Errorf("resnet without --width: width %d (%v), want %d recorded", cfg.Model.Width, err, models.DefaultWidth)
	}
	cfg, err = configFromArgs(t)
	if err != nil || cfg.Model.Width != 0 {
		t.Errorf("dcgan: width %d (%v), want 0 (absent from config.json)", cfg.Model.Width, err)
	}
}

// configFromArgs parses gan-train's flags into a config without training.
func configFromArgs(t *testing.T, args ...string) (train.Config, error) {
	t.Helper()
	var cfg train.Config
	var err error
	app := newApp(nil)
	app.Action = func(c *cli.Context) error {
		cfg, err = configFromFlags(c)
		return nil
	}
	if e := app.Run(append([]string{"gan-train"}, args...)); e != nil {
		t.Fatal(e)
	}
	return cfg, err
}
