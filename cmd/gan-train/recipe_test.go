package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/train"
)

// trainOneStep runs one step of gan-train on a small gray folder with args
// and returns the config it recorded.
func trainOneStep(t *testing.T, args ...string) train.Config {
	t.Helper()
	folder := writeFolder(t, 4, 28)
	out := filepath.Join(t.TempDir(), "run")
	all := append([]string{"--data", folder, "--image-size", "28", "--channels", "1", "--steps", "1", "--batch-size", "2",
		"--threads", "1", "--out", out}, args...)
	if code, msg := runCLI(t, all...); code != 0 {
		t.Fatalf("gan-train %v: exit %d: %s", args, code, msg)
	}
	cfg, err := train.ReadConfig(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestRecipeDefaults(t *testing.T) {
	modern, _ := train.DefaultConfig().WithRecipe(train.RecipeModern)
	m := trainOneStep(t)
	if m.Recipe != train.RecipeModern || m.Loss != modern.Loss || m.Model.SpectralNorm != modern.Model.SpectralNorm ||
		m.Model.Kind != modern.Model.Kind || m.EMA != modern.EMA || m.EMAWarmup != modern.EMAWarmup ||
		m.LrG != modern.LrG || m.LrD != modern.LrD || m.Beta1 != modern.Beta1 || m.Beta2 != modern.Beta2 {
		t.Errorf("default run recorded recipe %q, model %+v, loss %s, ema %g warm-up %v; want the modern recipe's settings written out",
			m.Recipe, m.Model, m.Loss, m.EMA, m.EMAWarmup)
	}
	c := trainOneStep(t, "--recipe", "classic")
	want := train.DefaultConfig()
	if c.Recipe != train.RecipeClassic || c.Loss != want.Loss || c.Model.SpectralNorm || c.EMA != 0 || c.EMAWarmup ||
		c.LrG != want.LrG || c.LrD != want.LrD || c.Beta1 != want.Beta1 || c.Beta2 != want.Beta2 || c.DSteps != 1 {
		t.Errorf("--recipe classic recorded %+v; want pytorch/examples' DCGAN settings", c)
	}
	// An explicit flag beats the recipe, in both directions.
	o := trainOneStep(t, "--loss", "lsgan", "--ema", "0.5", "--lr-d", "0.0004", "--spectral-norm")
	if o.Recipe != train.RecipeModern || o.Loss != train.LSGAN || o.EMA != 0.5 || o.LrD != 4e-4 || !o.Model.SpectralNorm {
		t.Errorf("modern with --loss lsgan --ema 0.5 --lr-d 4e-4 --spectral-norm recorded loss %s ema %g lr_d %g sn %v", o.Loss, o.EMA, o.LrD, o.Model.SpectralNorm)
	}
	k := trainOneStep(t, "--recipe", "classic", "--spectral-norm", "--loss", "hinge")
	if !k.Model.SpectralNorm || k.Loss != train.Hinge || k.Recipe != train.RecipeClassic {
		t.Errorf("classic with --spectral-norm --loss hinge recorded sn %v loss %s", k.Model.SpectralNorm, k.Loss)
	}
	if p := trainOneStep(t, "--model", "mlp"); p.Model.SpectralNorm || p.Loss != modern.Loss || p.Model.Kind != "mlp" {
		t.Errorf("modern mlp recorded kind %s sn %v loss %s; want the recipe's loss on the mlp, no spectral norm", p.Model.Kind, p.Model.SpectralNorm, p.Loss)
	}
}

func TestRecipeRefusals(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--recipe", "fancy"}, `--recipe: unknown recipe "fancy"; choose one of modern, classic`},
		{[]string{"--model", "vae", "--recipe", "modern"}, "--recipe modern: recipes set a GAN's training; --model vae"},
		{[]string{"--model", "mlp", "--spectral-norm"}, "spectral norm applies to the dcgan and resnet discriminators, not --model mlp"},
	} {
		code, msg := runCLI(t, append(c.args, "--steps", "1")...)
		if code != 2 || !strings.Contains(msg, c.want) || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
			t.Errorf("gan-train %v: exit %d, %q; want exit 2 and one line with %q", c.args, code, msg, c.want)
		}
	}
}

// A run resumed with --recipe must repeat the saved one; a run made before
// recipes existed reads as classic.
func TestRecipeResume(t *testing.T) {
	folder := writeFolder(t, 4, 28)
	out := filepath.Join(t.TempDir(), "run")
	base := []string{"--data", folder, "--image-size", "28", "--channels", "1", "--batch-size", "2", "--threads", "1"}
	if code, msg := runCLI(t, append(base, "--steps", "1", "--recipe", "classic", "--out", out)...); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "2", "--recipe", "modern"); code != 2 ||
		!strings.Contains(msg, "--recipe modern differs from the saved run's --recipe classic") {
		t.Errorf("resume with another recipe: exit %d: %s", code, msg)
	}
	if code, msg := runCLI(t, "--resume", out, "--steps", "2", "--recipe", "classic"); code != 0 {
		t.Errorf("resume repeating the recipe: exit %d: %s", code, msg)
	}
}
