package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/infer"
)

// infoAction is `gan-gen info`: the model's metadata as text, or as JSON
// (infer.Describe).
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
	m := infer.Describe(name, b, in)
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
