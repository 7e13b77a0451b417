package models

import (
	"fmt"
	"strings"
)

// Spec names an architecture and its sizes. It is stored in run configs and
// checkpoints, so its JSON form is part of the file format.
type Spec struct {
	Kind     string `json:"kind"` // "mlp", "dcgan", "resnet" or "vae"
	ZDim     int    `json:"z_dim"`
	Size     int    `json:"image_size"` // square images of Size x Size
	Channels int    `json:"channels"`   // 1 (gray) or 3 (RGB)
	Classes  int    `json:"classes"`    // > 0 for a conditional model
	// Width is the channel count of the resnet's residual blocks (0:
	// DefaultWidth); other kinds leave it 0, which keeps their JSON as it
	// was before the field existed.
	Width int `json:"width,omitempty"`
	// SpectralNorm puts spectral norm (Miyato et al. 2018) on every layer
	// of D; a dcgan D then has no BatchNorm. G is unchanged. Old specs
	// read as false.
	SpectralNorm bool `json:"spectral_norm,omitempty"`
	// CondD is how a conditional D takes the label: "" or "concat" (a
	// label plane joined to the image, the classic model) or "projection"
	// (Miyato & Koyama 2018). Configs written before it read as concat.
	CondD string `json:"cond_d,omitempty"`
}

// The ways a conditional discriminator takes its label (Spec.CondD).
const (
	CondConcat     = "concat"
	CondProjection = "projection"
)

// Projection reports whether D is a conditional projection discriminator.
func (s Spec) Projection() bool { return s.Classes > 0 && s.CondD == CondProjection }

// Kinds lists the architectures NewGenerator knows.
var Kinds = []string{"dcgan", "mlp", "resnet", "vae"}

// embedDim is the size of G's label embedding, concatenated to z.
const embedDim = 50

// Bounds that keep a corrupt config.json from building a huge model.
const (
	maxZDim    = 1 << 16
	maxClasses = 1 << 16
)

// Validate reports, in words a user can act on, why s cannot be built.
func (s Spec) Validate() error {
	switch s.Kind {
	case "dcgan":
		if _, _, err := dcganPlan(s.Size); err != nil {
			return err
		}
	case "vae":
		if _, _, err := dcganPlan(s.Size); err != nil {
			return fmt.Errorf("image size %d: the vae model (DCGAN's encoder and decoder) supports 28, 32 or 64 pixels (use --image-size)", s.Size)
		}
	case "resnet":
		if _, _, _, err := resnetPlan(s.Size); err != nil {
			return err
		}
	case "mlp":
		if s.Size < 1 || s.Size > 128 {
			return fmt.Errorf("image size %d: the mlp model supports 1 to 128 pixels", s.Size)
		}
	default:
		return fmt.Errorf("unknown model %q; choose one of %s", s.Kind, strings.Join(Kinds, ", "))
	}
	if s.Channels != 1 && s.Channels != 3 {
		return fmt.Errorf("channels %d: use 1 (gray) or 3 (RGB)", s.Channels)
	}
	if s.ZDim < 1 || s.ZDim > maxZDim {
		return fmt.Errorf("z-dim %d: must be 1 to %d", s.ZDim, maxZDim)
	}
	if s.Classes < 0 || s.Classes > maxClasses {
		return fmt.Errorf("classes %d: must be 0 to %d", s.Classes, maxClasses)
	}
	switch {
	case s.Width < 0:
		return fmt.Errorf("width %d: must not be negative (0 means %d)", s.Width, DefaultWidth)
	case s.SpectralNorm && (s.Kind == "vae" || s.Kind == "mlp"):
		return fmt.Errorf("spectral norm applies to the dcgan and resnet discriminators, not --model %s", s.Kind)
	case s.Width > 0 && s.Kind != "resnet":
		return fmt.Errorf("width %d: --width applies to --model resnet, not %s", s.Width, s.Kind)
	}
	switch s.CondD {
	case "", CondConcat:
	case CondProjection:
		if s.Kind != "dcgan" && s.Kind != "resnet" {
			return fmt.Errorf("--cond-d projection: the %s model's D takes labels as a concatenated plane only; use --model dcgan or resnet, or --cond-d concat", s.Kind)
		}
	default:
		return fmt.Errorf("--cond-d %q: choose %s or %s", s.CondD, CondConcat, CondProjection)
	}
	return nil
}

// dcganPlan returns the base spatial size and the number of stride-2
// up/down blocks for a DCGAN of the given size: 28 = 7*2^2 (the reference
// MNIST model), 32 = 4*2^3, 64 = 4*2^4.
func dcganPlan(size int) (base, blocks int, err error) {
	switch size {
	case 28:
		return 7, 2, nil
	case 32:
		return 4, 3, nil
	case 64:
		return 4, 4, nil
	}
	return 0, 0, fmt.Errorf("image size %d: the dcgan model supports 28, 32 or 64 pixels (use --image-size)", size)
}
