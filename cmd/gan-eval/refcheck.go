package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/infer"
	"github.com/gogan/gan/internal/runfolder"
	"github.com/gogan/gan/train/data"
)

var backgroundFlag = &cli.StringFlag{Name: "background", Usage: "`COLOUR` transparent pixels of folder images are composited over: black, white, #rrggbb or none (default: the scored runs' --background from their config.json, else black, gan-train's default)"}

// checkMNISTModel refuses, when no --reference-dir is given, a generator
// that was not trained on MNIST or does not make MNIST's 28x28 gray images:
// scored against the MNIST test set its numbers would mean nothing.
func checkMNISTModel(c *cli.Context, path string) error {
	if c.String("reference-dir") != "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return usage("--model %s: %v", path, unwrapPath(err))
	}
	info, err := infer.ReadInfo(b, path)
	if err != nil {
		return err
	}
	if info.Dataset == "mnist" && info.Size == 28 && info.Width == 28 && info.Channels == 1 {
		return nil
	}
	data := info.Dataset
	if data == "" {
		data = "unnamed data"
	}
	return usage("%s was trained on %s and makes %dx%d %s images, so the default reference, the MNIST test set, says nothing about it: "+
		"pass --reference-dir DIR with real images like its training data (and --features FILE from gan-eval train-features --data DIR for a feature network that knows them)",
		path, data, info.Width, info.Size, chanWord(info.Channels))
}

// folderBackground resolves --background for reading image folders: as
// given, else what the scored runs were trained over (runs that predate
// --background read alpha-ignored, as they were trained), else black.
func folderBackground(c *cli.Context) (data.Background, error) {
	if c.IsSet("background") {
		bg, err := data.ParseBackground(c.String("background"))
		if err != nil {
			return bg, usage("--%v", err)
		}
		return bg, nil
	}
	runs := c.Args().Slice() // compare's RUNs
	if m := c.String("model"); m != "" {
		runs = []string{m}
	}
	seen := ""
	for _, r := range runs {
		cfg, err := runfolder.ReadSummary(r)
		if err != nil || cfg.Data == "mnist" {
			continue // an .onnx file, or no folder behind it
		}
		bg := cfg.Background
		if bg == "" {
			bg = "none"
		}
		if seen != "" && bg != seen {
			return data.Black, usage("the runs were trained over different backgrounds (%s, %s); choose one for the reference images with --background", seen, bg)
		}
		seen = bg
	}
	if seen == "" {
		return data.Black, nil
	}
	return data.ParseBackground(seen)
}
