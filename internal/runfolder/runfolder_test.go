package runfolder

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadSummary(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"data": "faces", "background": "white", "model": {"kind": "vae", "z_dim": 16}, "recon": "bce", "beta": 2, "conditional": true, "ema": 0.9, "seed": 3}`
	if err := os.WriteFile(filepath.Join(dir, ConfigName), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Data != "faces" || s.Background != "white" || !s.IsVAE() || s.Recon != "bce" || s.Beta != 2 || !s.Conditional || s.EMA != 0.9 {
		t.Errorf("summary %+v", s)
	}
	if _, err := ReadSummary(t.TempDir()); err == nil {
		t.Error("a folder without config.json read as a run")
	}
}
