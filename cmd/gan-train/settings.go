package main

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/gogan/gan/cmd/internal/command"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train"
)

// setting ties a flag to the run setting it sets: the field's name in
// train's messages (config.json's) and, for a setting a run saves, its
// value in a saved config, as the flag prints it (fmt.Sprint).
type setting struct {
	flag, field string
	saved       func(train.Config) any // nil: not saved (--out, --max-time)
}

// settings is every gan-train flag that sets a run setting. Train's errors
// name settings by field; flagName words them as the flags, and --resume
// compares the saved values with the flags given.
var settings = []setting{
	{"recipe", "recipe", func(s train.Config) any { return s.RecipeName() }},
	{"data", "data", func(s train.Config) any { return s.Data }},
	{"strict", "strict", func(s train.Config) any { return s.Strict }},
	{"image-size", "model.image_size", func(s train.Config) any { return s.Model.Size }},
	{"channels", "model.channels", func(s train.Config) any { return s.Model.Channels }},
	{"model", "model.kind", func(s train.Config) any { return s.Model.Kind }},
	{"conditional", "conditional", func(s train.Config) any { return s.Conditional }},
	{"z-dim", "model.z_dim", func(s train.Config) any { return s.Model.ZDim }},
	{"width", "model.width", func(s train.Config) any { return s.Model.Width }},
	{"spectral-norm", "model.spectral_norm", func(s train.Config) any { return s.Model.SpectralNorm }},
	{"cond-d", "model.cond_d", func(s train.Config) any { return cmp.Or(s.Model.CondD, models.CondConcat) }},
	{"augment", "augment", func(s train.Config) any { return s.Augment }},
	{"loss", "loss", func(s train.Config) any { return string(s.Loss) }},
	{"recon", "recon", func(s train.Config) any { return string(s.Recon) }},
	{"beta", "beta", func(s train.Config) any { return s.Beta }},
	{"r1", "r1", func(s train.Config) any { return s.R1 }},
	{"r1-every", "r1_every", func(s train.Config) any { return max(s.R1Every, 1) }},
	{"gp-weight", "gp_weight", func(s train.Config) any { return s.GPWeight }},
	{"ema", "ema", func(s train.Config) any { return s.EMA }},
	{"ema-warmup", "ema_warmup", func(s train.Config) any { return s.EMAWarmup }},
	{"label-smoothing", "label_smoothing", func(s train.Config) any { return s.Smooth }},
	{"d-steps", "d_steps", func(s train.Config) any { return s.DSteps }},
	{"batch-size", "batch_size", func(s train.Config) any { return s.BatchSize }},
	{"lr-g", "lr_g", func(s train.Config) any { return s.LrG }},
	{"lr-d", "lr_d", func(s train.Config) any { return s.LrD }},
	{"beta1", "beta1", func(s train.Config) any { return s.Beta1 }},
	{"beta2", "beta2", func(s train.Config) any { return s.Beta2 }},
	{"seed", "seed", func(s train.Config) any { return s.Seed }},
	{"threads", "threads", func(s train.Config) any { return s.Threads }},
	{"background", "background", func(s train.Config) any { return savedBackground(s) }},
	{"name", "dataset", func(s train.Config) any { return s.Dataset }},
	{"sample-every", "sample_every", func(s train.Config) any { return s.SampleEvery }},
	{"checkpoint-every", "checkpoint_every", func(s train.Config) any { return s.CkptEvery }},
	{"eval-every", "eval_every", func(s train.Config) any { return s.EvalEvery }},
	// Changeable with --resume, or about this session: not compared.
	{"epochs", "epochs", nil},
	{"steps", "steps", nil},
	{"max-time", "max_time", nil},
	{"snapshot-at", "snapshots", nil},
	{"out", "out", nil},
	{"resume", "resume", nil},
}

// flagName is how gan-train names a run setting: "--" and its flag.
func flagName(field string) string {
	for _, s := range settings {
		if s.field == field {
			return "--" + s.flag
		}
	}
	return field
}

// savedFlag is the value a flag has in a saved config, written as the flag
// prints (fmt.Sprint of its value), and whether the flag is a saved setting.
func savedFlag(flag string, s train.Config) (string, bool) {
	for _, st := range settings {
		if st.flag == flag && st.saved != nil {
			return fmt.Sprint(st.saved(s)), true
		}
	}
	return "", false
}

// flagError words train's setting errors as gan-train's flags, as usage
// errors (exit status 2); other errors pass unchanged.
func flagError(err error) error {
	var se *train.SettingError
	if !errors.As(err, &se) {
		return err
	}
	return command.UsageError{Err: errors.New(strings.Replace(err.Error(), se.Error(), se.Message(flagName), 1))}
}
