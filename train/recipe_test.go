package train

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The classic recipe is DefaultConfig, the pytorch/examples DCGAN, to the
// last setting: its runs must reproduce the ones made before recipes.
func TestClassicRecipeIsDefaultConfig(t *testing.T) {
	c, err := DefaultConfig().WithRecipe(RecipeClassic)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Recipe = RecipeClassic
	if !reflect.DeepEqual(c, want) {
		t.Errorf("classic recipe %+v\nwant %+v", c, want)
	}
	// From the modern recipe back to classic leaves nothing of modern's.
	m, _ := DefaultConfig().WithRecipe(RecipeModern)
	if back, _ := m.WithRecipe(RecipeClassic); !reflect.DeepEqual(back, want) {
		t.Errorf("modern then classic %+v\nwant %+v", back, want)
	}
	if m.Validate() != nil || m.Model.Kind != "dcgan" || m.Loss != Hinge || m.Recipe != RecipeModern {
		t.Errorf("modern recipe %+v (validate: %v)", m, m.Validate())
	}
	if _, err := DefaultConfig().WithRecipe("bigGAN"); err == nil {
		t.Error("unknown recipe accepted")
	}
}

func TestRecipeName(t *testing.T) {
	var old Config // a config.json from before recipes: no "recipe" key
	if err := json.Unmarshal([]byte(`{"data":"mnist","model":{"kind":"dcgan","z_dim":100,"image_size":28,"channels":1},"loss":"nonsaturating"}`), &old); err != nil {
		t.Fatal(err)
	}
	if old.RecipeName() != RecipeClassic {
		t.Errorf("old config reads as recipe %q, want classic", old.RecipeName())
	}
	if v := DefaultConfig().WithVAEDefaults(); v.RecipeName() != "" {
		t.Errorf("a VAE's recipe %q, want none", v.RecipeName())
	}
}
