package train

import (
	"fmt"
	"strings"

	"github.com/gogan/gan/models"
)

// The recipes a GAN run starts from. A recipe is a set of defaults: every
// setting it implies is written out in config.json, and an explicit flag
// (a field the caller sets afterwards) overrides it.
const (
	// RecipeModern is the default, chosen by the recipe table in README
	// (scripts/recipes.sh): see modernSettings.
	RecipeModern = "modern"
	// RecipeClassic is the pytorch/examples DCGAN of DefaultConfig,
	// unchanged. A config.json without a recipe (every run made before
	// recipes existed) reads as classic.
	RecipeClassic = "classic"
)

// Recipes lists the recipe names, the default first.
var Recipes = []string{RecipeModern, RecipeClassic}

// DefaultRecipe is gan-train's recipe when --recipe is not given.
const DefaultRecipe = RecipeModern

// RecipeName is the config's recipe, classic when none was recorded.
func (c Config) RecipeName() string {
	if c.Recipe == "" && !c.IsVAE() {
		return RecipeClassic
	}
	return c.Recipe
}

// ParseRecipe checks a recipe name.
func ParseRecipe(name string) (string, error) {
	for _, r := range Recipes {
		if name == r {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown recipe %q; choose one of %s", name, strings.Join(Recipes, ", "))
}

// WithRecipe returns c with the GAN settings of the named recipe: the
// model's kind and D's normalisation, the loss, the optimisers, the moving
// average, the penalty and the augmentation. Data, sizes, batch size, seed
// and schedule are left as they are.
func (c Config) WithRecipe(name string) (Config, error) {
	r, err := ParseRecipe(name)
	if err != nil {
		return c, err
	}
	d := DefaultConfig()
	c.Recipe = r
	c.Model.Kind, c.Model.SpectralNorm, c.Model.Width = d.Model.Kind, false, 0
	c.Loss, c.DSteps = d.Loss, d.DSteps
	c.LrG, c.LrD, c.Beta1, c.Beta2 = d.LrG, d.LrD, d.Beta1, d.Beta2
	c.EMA, c.EMAWarmup, c.R1, c.R1Every = d.EMA, d.EMAWarmup, d.R1, d.R1Every
	if r == RecipeModern {
		m := modernSettings
		c.Model.Kind, c.Model.SpectralNorm = m.Model.Kind, m.Model.SpectralNorm
		c.Loss, c.DSteps = m.Loss, m.DSteps
		c.LrG, c.LrD, c.Beta1, c.Beta2 = m.LrG, m.LrD, m.Beta1, m.Beta2
		c.EMA, c.EMAWarmup, c.R1, c.R1Every = m.EMA, m.EMAWarmup, m.R1, m.R1Every
	}
	return c, nil
}

// modernSettings are the modern recipe's values, the best of the recipe
// table (README, "Recipes: what trains best on 2 cores"): DCGAN's
// generator and batch-norm discriminator trained by the hinge loss at four
// times pytorch/examples' learning rate (8e-4 for both networks; it halves
// FID at 3 minutes, and the moving average absorbs the larger steps' noise),
// and a moving average of G (decay 0.99 with warm-up) that samples and the
// export use. Spectral norm in D (SN-DCGAN), two-timescale Adam and
// DiffAugment measured worse on this budget; they stay one flag away.
var modernSettings = Config{
	Model:     models.Spec{Kind: "dcgan"},
	Loss:      Hinge,
	DSteps:    1,
	LrG:       8e-4,
	LrD:       8e-4,
	Beta1:     0.5,
	Beta2:     0.999,
	EMA:       0.99,
	EMAWarmup: true,
}
