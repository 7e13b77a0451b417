// Package runfolder knows the layout of a gan-train run folder for the
// programs that read one without linking the training loop: gan-eval and
// gan-gen find the exported generator in it and describe the run from its
// config.json. Package train writes the folder and owns the full config.
package runfolder

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ExportName is the file a finished run's generator is exported to, in the
// run folder; ConfigName holds the run's settings.
const (
	ExportName = "generator.onnx"
	ConfigName = "config.json"
)

// Summary is the part of a run's config.json that describes the run: what
// it trained on and by what objective. Its fields have train.Config's JSON
// names.
type Summary struct {
	Data        string `json:"data"`
	Background  string `json:"background"`
	Conditional bool   `json:"conditional"`
	Model       struct {
		Kind string `json:"kind"`
	} `json:"model"`
	Loss  string  `json:"loss"`
	Recon string  `json:"recon"`
	Beta  float64 `json:"beta"`
	EMA   float64 `json:"ema"`
}

// IsVAE reports whether the run trained a VAE.
func (s Summary) IsVAE() bool { return s.Model.Kind == "vae" }

// ReadSummary reads the summary of the run in dir from its config.json.
func ReadSummary(dir string) (Summary, error) {
	var s Summary
	path := filepath.Join(dir, ConfigName)
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: not a valid gogan config: %v", path, err)
	}
	return s, nil
}
