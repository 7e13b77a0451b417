package train

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// RunEncoder rebuilds the encoder of a VAE run from its latest checkpoint,
// where it is kept in the discriminator's slots (see Parts).
func RunEncoder(runDir string) (*models.Encoder, error) {
	cfg, err := ReadConfig(filepath.Join(runDir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("encoder: %s is not a gogan run folder: %w", runDir, err)
	}
	if cfg.Model.Kind != "vae" {
		return nil, fmt.Errorf("encoder: %s is a %s run; only a vae run has an encoder", runDir, cfg.Model.Kind)
	}
	path := filepath.Join(runDir, "checkpoints", "latest.ckpt")
	ck, err := ReadCheckpoint(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("encoder: %s has no checkpoint yet (%s); train it first", runDir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("encoder: %w", err)
	}
	v, err := models.NewVAE(ck.Meta.Config.Model, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("encoder: %s: %w", path, err)
	}
	if err := nn.LoadStateDict(v.Encoder, ck.D); err != nil {
		return nil, fmt.Errorf("encoder: %s: the encoder weights do not fit the model: %w", path, err)
	}
	nn.SetTraining(v.Encoder, false)
	for _, p := range v.Encoder.Params() {
		p.T.SetRequiresGrad(false)
	}
	return v.Encoder, nil
}

// Encode is a VAE's projection: each target's posterior mean under enc,
// decoded by dec (N,C,H,W in [-1, 1], labels for a conditional model).
// StartMAE is measured on random latents drawn from seed, as Project's is,
// and Loss is the L2 pixel loss.
func Encode(enc *models.Encoder, dec Generator, target *tensor.Tensor, labels []int, seed uint64) (*Projection, error) {
	s := enc.Spec
	if target.Rank() != 4 || target.Dim(0) < 1 || target.Dim(1) != s.Channels || target.Dim(2) != s.Size || target.Dim(3) != s.Size {
		return nil, fmt.Errorf("encode: targets of shape %v; the encoder takes (N, %d, %d, %d)", target.Shape(), s.Channels, s.Size, s.Size)
	}
	n := target.Dim(0)
	if (s.Classes > 0) != (labels != nil) || (labels != nil && len(labels) != n) {
		return nil, fmt.Errorf("encode: %d labels for %d images of a model with %d classes", len(labels), n, s.Classes)
	}
	nn.SetTraining(dec, false)
	p := &Projection{MAE: make([]float64, n), StartMAE: make([]float64, n), Loss: make([]float64, n)}
	tensor.NoGrad(func() {
		mu, _ := enc.Encode(target, labels)
		p.Z = mu.Clone()
		p.Recon = dec.Generate(p.Z, labels)
		random := dec.Generate(tensor.Randn(rand.New(rand.NewPCG(seed, latentStreamProject)), 0, 1, n, s.ZDim), labels)
		for i := 0; i < n; i++ {
			p.MAE[i] = mae(p.Recon, target, i)
			p.StartMAE[i] = mae(random, target, i)
			p.Loss[i] = candidateLoss(ProjectOptions{Loss: "l2"}, tensor.Narrow(p.Recon, 0, i, 1), tensor.Narrow(target, 0, i, 1), nil)[0]
		}
	})
	return p, nil
}
