package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/infer"
)

// modelJSON is `gan-gen info --json`: the model's metadata under the names
// gan-train writes into it, and the runtime library that would run it.
type modelJSON struct {
	Model        string            `json:"model"`
	Bytes        int               `json:"bytes"`
	Kind         string            `json:"kind"`
	ZDim         int               `json:"z_dim"`
	Height       int               `json:"height"`
	Width        int               `json:"width"`
	Channels     int               `json:"channels"`
	Conditional  bool              `json:"conditional"`
	Classes      []string          `json:"classes"` // [] for an unconditional model
	Dataset      string            `json:"dataset"`
	Steps        int64             `json:"steps"`
	GoganVersion string            `json:"gogan_version"`
	ValueRange   [2]float64        `json:"value_range"`
	Inputs       []string          `json:"inputs"`
	Output       string            `json:"output"`
	Metadata     map[string]string `json:"metadata"` // every metadata_props entry, as written
	Runtime      runtimeJSON       `json:"onnxruntime"`
}

type runtimeJSON struct {
	Version string `json:"version,omitempty"`
	Path    string `json:"path,omitempty"`
	Error   string `json:"error,omitempty"` // why it is not available
}

func infoAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usage("unexpected argument %q; see gan-gen info --help", c.Args().First())
	}
	name, b, err := modelBytes(c)
	if err != nil {
		return err
	}
	in, err := infer.ReadInfo(b, name)
	if err != nil {
		return err
	}
	m := describe(name, b, in)
	w := c.App.Writer
	if c.Bool("json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	rt := m.Runtime
	fmt.Fprintf(w, "%-14s %s (%d bytes)\n", "model:", name, len(b))
	fmt.Fprint(w, in.String())
	if rt.Error != "" {
		fmt.Fprintf(w, "%-14s not available: %s\n", "onnxruntime:", rt.Error)
	} else {
		fmt.Fprintf(w, "%-14s %s (%s)\n", "onnxruntime:", rt.Version, rt.Path)
	}
	return nil
}

// describe is a model's metadata as info --json prints it and gan-gen
// serve's GET /v1/model answers.
func describe(name string, b []byte, in infer.Info) modelJSON {
	var rt runtimeJSON
	if v, path, err := infer.RuntimeVersion(""); err != nil {
		rt.Error = err.Error()
	} else {
		rt.Version, rt.Path = v, path
	}
	classes := in.Classes
	if classes == nil {
		classes = []string{}
	}
	return modelJSON{
		Model: name, Bytes: len(b), Kind: in.Kind, ZDim: in.ZDim, Height: in.Size, Width: in.Width,
		Channels: in.Channels, Conditional: in.Conditional, Classes: classes, Dataset: in.Dataset,
		Steps: in.Steps, GoganVersion: in.Version, ValueRange: in.ValueRange, Inputs: in.Inputs,
		Output: in.Output, Metadata: in.Raw, Runtime: rt,
	}
}
