package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gogan/gan/internal/runfolder"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/nn"
)

// ExportName is the file a finished run's generator is exported to, in the
// run folder.
const ExportName = runfolder.ExportName

// exportMeta is the metadata a run adds to its exported generator.
func exportMeta(cfg Config, step int, weights string) map[string]string {
	m := map[string]string{
		models.MetaDataset: datasetName(cfg),
		models.MetaSteps:   strconv.Itoa(step),
		models.MetaVersion: Version,
		models.MetaWeights: weights,
	}
	if cfg.Model.Classes > 0 && len(cfg.ClassNames) == cfg.Model.Classes {
		b, _ := json.Marshal(cfg.ClassNames)
		m[models.MetaClassNames] = string(b)
	}
	return m
}

// datasetName is how an export names its data: the name Start recorded
// (see data.LoadFolder), or for configs from before it "mnist" or the
// image folder's base name; never a local path.
func datasetName(cfg Config) string {
	switch d := cfg.Data; {
	case cfg.Dataset != "":
		return cfg.Dataset
	case d == "" || d == "mnist":
		return "mnist"
	default:
		return filepath.Base(filepath.Clean(d))
	}
}

// Export writes the run's generator (a VAE's decoder) as ONNX (see
// models.Generator.ExportONNX): the moving average when the run keeps one,
// G itself when raw is set or there is none.
func (r *Run) Export(w io.Writer, raw bool) error {
	p := r.model.Parts()
	g, weights := p.G, "raw"
	if p.EMA != nil && !raw {
		g, weights = p.EMA, "ema"
	}
	mg, ok := g.(*models.Generator)
	if !ok {
		return fmt.Errorf("export: the run's generator is a %T, which has no ONNX export", g)
	}
	return mg.ExportONNX(w, exportMeta(r.Cfg, *p.Step, weights))
}

// RunGenerator rebuilds the generator saved in a run folder's latest
// checkpoint, with the moving average's weights when the run kept one and
// raw is false, and returns it with the metadata its export records.
func RunGenerator(runDir string, raw bool) (*models.Generator, map[string]string, error) {
	if st, err := os.Stat(runDir); err != nil || !st.IsDir() {
		return nil, nil, fmt.Errorf("export: %s: no such run folder (give the folder gan-train wrote, with config.json and checkpoints/)", runDir)
	}
	cfg, err := ReadConfig(filepath.Join(runDir, "config.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("export: %s is not a gogan run folder: %w", runDir, err)
	}
	path := filepath.Join(runDir, "checkpoints", "latest.ckpt")
	ck, err := ReadCheckpoint(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("export: %s has no checkpoint yet (%s); train it, or resume it, first", runDir, path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("export: %w", err)
	}
	// The checkpoint's own copy of the config describes its weights.
	spec := ck.Meta.Config.Model
	if spec != cfg.Model {
		return nil, nil, fmt.Errorf("export: %s: config.json describes model %+v but the checkpoint holds %+v; the run folder is inconsistent", runDir, cfg.Model, spec)
	}
	g, err := models.NewGenerator(spec, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, nil, fmt.Errorf("export: %s: %w", path, err)
	}
	params, weights := ck.EMA, "ema"
	if raw || len(ck.EMA) == 0 {
		params, weights = ck.G, "raw"
	}
	if err := nn.LoadStateDict(g, params); err != nil {
		return nil, nil, fmt.Errorf("export: %s: the %s generator weights do not fit the model: %w", path, weights, err)
	}
	nn.SetTraining(g, false)
	return g, exportMeta(ck.Meta.Config, ck.Meta.Step, weights), nil
}

// ExportRun writes the generator saved in runDir's latest checkpoint to w
// as ONNX (see RunGenerator for which weights).
func ExportRun(runDir string, raw bool, w io.Writer) error {
	g, meta, err := RunGenerator(runDir, raw)
	if err != nil {
		return err
	}
	return g.ExportONNX(w, meta)
}
