package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"

	"github.com/gogan/gan/internal/version"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/data"
)

// Config is every setting of a run; config.json in the run folder holds it,
// and it is enough to reproduce the run.
type Config struct {
	Data string `json:"data"` // "mnist" or an image folder
	// Recipe is the set of defaults the run started from (RecipeModern,
	// RecipeClassic); "" in configs written before recipes, which read as
	// classic. A VAE has none.
	Recipe      string      `json:"recipe,omitempty"`
	Strict      bool        `json:"strict"`
	Model       models.Spec `json:"model"`
	Conditional bool        `json:"conditional"`
	ClassNames  []string    `json:"class_names,omitempty"` // label order; filled by Start for a conditional run
	Loss        Loss        `json:"loss"`                  // a GAN's; "" for a VAE
	Recon       Recon       `json:"recon,omitempty"`       // a VAE's reconstruction loss
	Beta        float64     `json:"beta,omitempty"`        // a VAE's KL weight
	DSteps      int         `json:"d_steps"`
	BatchSize   int         `json:"batch_size"`
	Epochs      int         `json:"epochs"` // 0 when the run is measured in steps
	Steps       int         `json:"steps"`  // the step count to reach
	LrG         float64     `json:"lr_g"`   // a VAE's decoder
	LrD         float64     `json:"lr_d"`   // a VAE's encoder
	Beta1       float64     `json:"beta1"`
	Beta2       float64     `json:"beta2"`
	Seed        uint64      `json:"seed"`
	Threads     int         `json:"threads"`
	EMA         float64     `json:"ema"`
	EMAWarmup   bool        `json:"ema_warmup,omitempty"` // absent (older configs): no warm-up
	R1          float64     `json:"r1"`
	R1Every     int         `json:"r1_every,omitempty"` // lazy R1; absent (older configs), 0 or 1: every D update
	GPWeight    float64     `json:"gp_weight"`
	Smooth      float64     `json:"label_smoothing"` // real target = 1 - Smooth
	SampleEvery int         `json:"sample_every"`
	CkptEvery   int         `json:"checkpoint_every"`
	EvalEvery   int         `json:"eval_every"` // 0: off
	Version     string      `json:"gogan_version"`

	// Background is what a folder's transparent pixels are composited over
	// (see data.ParseBackground); "" in configs from before it, which load
	// as they did, alpha ignored.
	Background string `json:"background,omitempty"`
	// Dataset names the data in exports: --name, or set by Start from the
	// loaded data ("mnist", "emoji/64 (3786 images, 1a2b3c4d)").
	Dataset string `json:"dataset,omitempty"`
	// Augment is the DiffAugment policy, e.g. "translation,cutout"
	// (ParseAugment); "" (and configs from before it) is off.
	Augment string `json:"augment,omitempty"`
	// DataReport is what the folder loader read, set by Start.
	DataReport *data.FolderReport `json:"data_report,omitempty"`
}

// Version is gogan's release, recorded in configs and exports (the
// commands print it for --version).
const Version = version.Number

// DefaultConfig returns the pytorch/examples DCGAN settings on MNIST.
func DefaultConfig() Config {
	return Config{
		Data:        "mnist",
		Model:       models.Spec{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 1},
		Loss:        NonSaturating,
		DSteps:      1,
		BatchSize:   64,
		Epochs:      5,
		LrG:         2e-4,
		LrD:         2e-4,
		Beta1:       0.5,
		Beta2:       0.999,
		Seed:        1,
		SampleEvery: 500,
		CkptEvery:   500,
		Version:     Version,
	}
}

// WithVAEDefaults returns c as a VAE run (--model vae) with the VAE's
// defaults, those of pytorch/examples' VAE: BCE reconstruction, beta 1,
// Adam 1e-3 with betas (0.9, 0.999) for both halves, and the GAN-only
// settings off.
func (c Config) WithVAEDefaults() Config {
	c.Model.Kind, c.Model.SpectralNorm, c.Recipe = "vae", false, ""
	c.Loss, c.Recon, c.Beta = "", ReconBCE, 1
	c.LrG, c.LrD, c.Beta1, c.Beta2 = 1e-3, 1e-3, 0.9, 0.999
	c.DSteps, c.GPWeight, c.R1, c.Smooth = 1, 0, 0, 0
	return c
}

// IsVAE reports whether the config trains a VAE rather than a GAN.
func (c Config) IsVAE() bool { return c.Model.Kind == "vae" }

// VAEHyper returns the VAE's settings of the config.
func (c Config) VAEHyper() VAEHyper {
	return VAEHyper{Recon: c.Recon, Beta: c.Beta, ZDim: c.Model.ZDim, LrDec: c.LrG, LrEnc: c.LrD,
		Beta1: c.Beta1, Beta2: c.Beta2, EMA: c.EMA, EMAWarmup: c.EMAWarmup}
}

// Hyper returns the loop settings of the config.
func (c Config) Hyper() Hyper {
	return Hyper{
		Loss: c.Loss, ZDim: c.Model.ZDim, Classes: c.Model.Classes, DSteps: c.DSteps,
		LrG: c.LrG, LrD: c.LrD, Beta1: c.Beta1, Beta2: c.Beta2,
		GPWeight: c.GPWeight, R1: c.R1, R1Every: c.R1Every, EMA: c.EMA, EMAWarmup: c.EMAWarmup,
		RealLabel: 1 - c.Smooth, Augment: mustAugment(c.Augment),
	}
}

// mustAugment parses a policy that Validate has accepted.
func mustAugment(s string) Augment {
	a, err := ParseAugment(s)
	if err != nil {
		panic("train: Config.Hyper: " + err.Error())
	}
	return a
}

// TotalSteps is the step count the run trains to on n images: Steps, or
// Epochs of whole batches.
func (c Config) TotalSteps(n int) int {
	if c.Steps > 0 || c.BatchSize < 1 {
		return c.Steps
	}
	return c.Epochs * (n / c.BatchSize)
}

// Validate checks the settings that do not depend on the data. A fault is
// a *SettingError naming the setting.
func (c Config) Validate() error {
	if err := c.Model.Validate(); err != nil {
		return settingErr("model", "%v", err).causedBy(err)
	}
	if err := c.validateObjective(); err != nil {
		return err
	}
	if err := c.validateDiscriminator(); err != nil {
		return err
	}
	if c.Background != "" {
		if _, err := data.ParseBackground(c.Background); err != nil {
			return backgroundErr(err)
		}
	}
	switch {
	case c.BatchSize < 1:
		return settingErr("batch_size", "{batch_size} %d: must be at least 1", c.BatchSize)
	case c.DSteps < 1:
		return settingErr("d_steps", "{d_steps} %d: must be at least 1", c.DSteps)
	case c.LrG <= 0 || c.LrD <= 0:
		f := "lr_g"
		if c.LrG > 0 {
			f = "lr_d"
		}
		return settingErr(f, "{lr_g} %g / {lr_d} %g: learning rates must be positive", c.LrG, c.LrD)
	case c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1:
		f := "beta1"
		if c.Beta1 >= 0 && c.Beta1 < 1 {
			f = "beta2"
		}
		return settingErr(f, "{beta1} %g / {beta2} %g: betas must be in [0, 1)", c.Beta1, c.Beta2)
	case c.EMA < 0 || c.EMA >= 1:
		return settingErr("ema", "{ema} %g: the decay must be in [0, 1), e.g. 0.999", c.EMA)
	case c.R1 < 0:
		return settingErr("r1", "{r1} %g: must not be negative", c.R1)
	case c.GPWeight < 0 || math.IsNaN(c.GPWeight) || math.IsInf(c.GPWeight, 0):
		return settingErr("gp_weight", "{gp_weight} %g: the gradient penalty weight must be 0 or more (10 is WGAN-GP's)", c.GPWeight)
	case c.R1Every < 0:
		return settingErr("r1_every", "{r1_every} %d: must be 1 or more (1 applies R1 on every D update)", c.R1Every)
	case c.Smooth < 0 || c.Smooth >= 0.5:
		return settingErr("label_smoothing", "{label_smoothing} %g: must be in [0, 0.5)", c.Smooth)
	case c.Epochs < 0:
		return settingErr("epochs", "{epochs} and {steps} must not be negative")
	case c.Steps < 0:
		return settingErr("steps", "{epochs} and {steps} must not be negative")
	case c.Threads < 0:
		return settingErr("threads", "{threads} %d: must not be negative (0 means all cores)", c.Threads)
	case c.EvalEvery < 0:
		return settingErr("eval_every", "{eval_every} %d: must not be negative (0 turns evaluation off)", c.EvalEvery)
	case c.SampleEvery < 1:
		return settingErr("sample_every", "{sample_every} and {checkpoint_every} must be at least 1")
	case c.CkptEvery < 1:
		return settingErr("checkpoint_every", "{sample_every} and {checkpoint_every} must be at least 1")
	}
	return nil
}

// backgroundErr is data.ParseBackground's error as the setting's: its
// message starts with the word background, which becomes the setting's
// name.
func backgroundErr(err error) *SettingError {
	return settingErr("background", "{background}%s", strings.TrimPrefix(err.Error(), "background")).causedBy(err)
}

// validateObjective checks the GAN's loss, or the VAE's reconstruction
// loss and beta, and that the other kind's settings are unset.
func (c Config) validateObjective() error {
	if !c.IsVAE() {
		if _, err := ParseLoss(string(c.Loss)); err != nil {
			return settingErr("loss", "%v", err).causedBy(err)
		}
		if c.Recon != "" || c.Beta != 0 {
			f := "recon"
			if c.Recon == "" {
				f = "beta"
			}
			return settingErr(f, "{recon} and {beta} apply to {model.kind} vae, not a GAN")
		}
		return nil
	}
	if _, err := ParseRecon(string(c.Recon)); err != nil {
		return err
	}
	switch {
	case c.Loss != "":
		return settingErr("loss", "{loss} %s: a VAE is trained by {recon} and {beta}, not a GAN loss", c.Loss)
	case c.Beta < 0 || math.IsNaN(c.Beta) || math.IsInf(c.Beta, 0):
		return settingErr("beta", "{beta} %g: the KL weight must be 0 or more (1 is the ELBO)", c.Beta)
	case c.DSteps != 1:
		return settingErr("d_steps", "{d_steps} %d: a VAE has no discriminator", c.DSteps)
	case c.R1 != 0 || c.R1Every > 1 || c.GPWeight != 0 || c.Smooth != 0:
		f := "r1"
		switch {
		case c.R1 != 0:
		case c.R1Every > 1:
			f = "r1_every"
		case c.GPWeight != 0:
			f = "gp_weight"
		default:
			f = "label_smoothing"
		}
		return settingErr(f, "{r1}, {r1_every}, {gp_weight} and {label_smoothing} apply to GANs, not {model.kind} vae")
	}
	return nil
}

// validateDiscriminator checks the settings of what D sees and how it
// takes labels: augment and model.cond_d.
func (c Config) validateDiscriminator() error {
	a, err := ParseAugment(c.Augment)
	if err != nil {
		return err
	}
	if a != nil && c.IsVAE() {
		return settingErr("augment", "{augment} %s applies to GANs (it augments what D sees); {model.kind} vae has no discriminator", c.Augment)
	}
	if err := a.checkChannels(c.Model.Channels); err != nil {
		return err
	}
	if c.Model.CondD == models.CondProjection && !c.Conditional {
		return settingErr("model.cond_d", "{model.cond_d} %s applies to {conditional} runs; add {conditional} or leave {model.cond_d} out", c.Model.CondD)
	}
	return nil
}

// WriteJSON writes c as indented JSON.
func (c Config) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// ReadConfig reads a run's config.json.
func ReadConfig(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, fmt.Errorf("%s not found: not a gogan run folder, or one stopped before it saved its settings (start it again with --out)", path)
	}
	if err != nil {
		return c, fmt.Errorf("reading run config: %w", err)
	}
	return parseConfig(b, path)
}

// parseConfig reads config.json's bytes b; path is for messages.
func parseConfig(b []byte, path string) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: not a valid gogan config: %v", path, err)
	}
	return c, nil
}
