package train

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// toyRGB is n labelled 28x28 RGB images: toyData's bars, in red for one
// class and blue for the other, on a green-tinted background.
func toyRGB(n int) data.Dataset {
	gray := toyData(n).(*data.Images)
	pix := make([]uint8, n*3*28*28)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = gray.Label(i)
		for p, v := range gray.Pix(i) {
			pix[(i*3+labels[i]*2)*28*28+p] = v // red or blue
			pix[(i*3+1)*28*28+p] = 60 - v/5
		}
	}
	return data.NewImages("toy-rgb", 3, 28, 28, pix, labels, gray.ClassNames())
}

func TestParseAugment(t *testing.T) {
	for in, want := range map[string]string{
		"": "", " ": "", "translation": "translation", "cutout, translation": "cutout,translation",
		"color,translation,cutout": "color,translation,cutout",
	} {
		a, err := ParseAugment(in)
		if err != nil || a.String() != want {
			t.Errorf("ParseAugment(%q) = %q, %v; want %q", in, a, err, want)
		}
	}
	for in, parts := range map[string][]string{
		"translate":          {"augment ", `"translate"`, "translation, cutout, color"},
		"cutout,,color":      {"augment ", `""`},
		"cutout,cutout":      {"augment ", "cutout is listed twice"},
		"color;translation":  {"augment ", `"color;translation"`},
		"Translation,cutout": {"unknown transform"},
	} {
		_, err := ParseAugment(in)
		if err == nil {
			t.Errorf("ParseAugment(%q) accepted", in)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("ParseAugment(%q): %q does not mention %q", in, err, p)
			}
		}
	}
}

// TestAugmentDraws checks the draws' ranges against the official code's
// for 28 and 32 pixels: every allowed value occurs and no other.
func TestAugmentDraws(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	span := func(v []int) (lo, hi, distinct int) {
		s := slices.Clone(v)
		slices.Sort(s)
		lo, hi = s[0], s[len(s)-1]
		return lo, hi, len(slices.Compact(s))
	}
	for _, c := range []struct{ size, shift, side, lo, hi int }{
		// 28: shift round(3.5) = 4; side 14, offsets [0, 29) -> tops [-7, 21].
		{28, 4, 14, -7, 21},
		// 32: shift 4; side 16, offsets [0, 33) -> tops [-8, 24].
		{32, 4, 16, -8, 24},
		// 7: shift round(0.875) = 1; side round(3.5) = 4, offsets [0, 8) -> tops [-2, 5].
		{7, 1, 4, -2, 5},
	} {
		dy, dx := drawTranslation(rng, 2000, c.size, c.size)
		for _, v := range [][]int{dy, dx} {
			if lo, hi, n := span(v); lo != -c.shift || hi != c.shift || n != 2*c.shift+1 {
				t.Errorf("%d px: shifts span [%d, %d] with %d values, want [%d, %d]", c.size, lo, hi, n, -c.shift, c.shift)
			}
		}
		top, left, ch, cw := drawCutout(rng, 2000, c.size, c.size)
		if ch != c.side || cw != c.side {
			t.Errorf("%d px: cutout %dx%d, want side %d", c.size, ch, cw, c.side)
		}
		for _, v := range [][]int{top, left} {
			if lo, hi, n := span(v); lo != c.lo || hi != c.hi || n != c.hi-c.lo+1 {
				t.Errorf("%d px: cutout corners span [%d, %d] with %d values, want [%d, %d]", c.size, lo, hi, n, c.lo, c.hi)
			}
		}
	}
	b, s, c := drawColor(rng, 2000)
	for _, r := range []struct {
		name   string
		v      []float32
		lo, hi float32
	}{{"brightness", b, -0.5, 0.5}, {"saturation", s, 0, 2}, {"contrast", c, 0.5, 1.5}} {
		lo, hi := slices.Min(r.v), slices.Max(r.v)
		if lo < r.lo || hi >= r.hi || lo > r.lo+0.01 || hi < r.hi-0.01 {
			t.Errorf("%s spans [%g, %g], want [%g, %g)", r.name, lo, hi, r.lo, r.hi)
		}
	}
}

// recordD is a discriminator that keeps a copy of every batch it scores.
type recordD struct {
	*models.Discriminator
	seen []*tensor.Tensor
}

func (r *recordD) Score(x *tensor.Tensor, labels []int) *tensor.Tensor {
	r.seen = append(r.seen, tensor.New(slices.Clone(x.Data), x.Shape()...))
	return r.Discriminator.Score(x, labels)
}

// imageG is a "generator" whose parameter is its output batch itself, so
// that its gradient is the G loss's gradient with respect to the images.
type imageG struct {
	nn.Container
	img *tensor.Tensor
}

func (g *imageG) Generate(z *tensor.Tensor, _ []int) *tensor.Tensor {
	return tensor.Reshape(g.img, -1, 1, 28, 28)
}
func (g *imageG) Forward(z *tensor.Tensor) *tensor.Tensor { return g.Generate(z, nil) }

// TestAugmentReachesD checks where augmentation applies in a step: D sees
// a cut-out square in the real and fake batches of the D step, in R1's
// batch (the very images the loss scored) and in the G step's fake batch
// (a fresh draw), and G's gradient flows back through that draw: it is
// zero exactly where the square was cut.
func TestAugmentReachesD(t *testing.T) {
	const n = 8
	rng := rand.New(rand.NewPCG(3, 4))
	d, err := models.NewDiscriminator(models.Spec{Kind: "dcgan", ZDim: 4, Size: 28, Channels: 1}, rng)
	if err != nil {
		t.Fatal(err)
	}
	rd := &recordD{Discriminator: d}
	g := &imageG{img: tensor.Uniform(rng, -0.9, 0.9, n, 28*28)}
	g.RegisterParam("img", g.img)
	h := Hyper{Loss: NonSaturating, ZDim: 4, LrG: 1e-3, LrD: 1e-3, Beta1: 0.5, Beta2: 0.999, R1: 1, Augment: Augment{AugCutout}}
	gan, err := NewGAN(g, rd, nil, h, 5)
	if err != nil {
		t.Fatal(err)
	}
	reals := tensor.Uniform(rng, -0.9, 0.9, n, 1, 28, 28)
	gan.TrainStep(func() Batch { return Batch{X: reals} })
	if len(rd.seen) != 4 {
		t.Fatalf("D scored %d batches, want 4 (real, fake, R1, G step)", len(rd.seen))
	}
	for k, x := range rd.seen {
		for i := 0; i < n; i++ {
			// A 14x14 square clipped by at most half its side per edge.
			if z := zeros(x.Data[i*784 : (i+1)*784]); z < 49 || z > 196 {
				t.Errorf("batch %d image %d has %d zeros, want a cut-out square (49 to 196)", k, i, z)
			}
		}
	}
	if !slices.Equal(rd.seen[2].Data, rd.seen[0].Data) {
		t.Error("R1 scored other images than the real batch of D's loss")
	}
	if slices.Equal(rd.seen[3].Data, rd.seen[1].Data) {
		t.Error("the G step reused the D step's draw for the fake batch")
	}
	grad := g.img.Grad
	if grad == nil {
		t.Fatal("G has no gradient")
	}
	cut, live := 0, 0
	for i, v := range rd.seen[3].Data {
		switch {
		case v == 0 && grad.Data[i] != 0:
			t.Fatalf("G gradient %g at pixel %d, which the G step's draw cut out", grad.Data[i], i)
		case v == 0:
			cut++
		case grad.Data[i] != 0:
			live++
		}
	}
	if live < (n*784-cut)*9/10 {
		t.Errorf("G gradient is nonzero at %d of %d uncut pixels", live, n*784-cut)
	}
}

func zeros(v []float32) int {
	k := 0
	for _, x := range v {
		if x == 0 {
			k++
		}
	}
	return k
}

// TestAugmentConfig checks what --augment and --cond-d accept, that
// config.json records them, and that a config without them (every run
// before them) reads as off and concat.
func TestAugmentConfig(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if h := c.Hyper(); h.Augment != nil || c.Model.CondD != "" {
		t.Errorf("defaults: augment %v, cond_d %q; want off and concat", h.Augment, c.Model.CondD)
	}
	var b strings.Builder
	if err := c.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "augment") || strings.Contains(b.String(), "cond_d") {
		t.Errorf("a classic config.json names the new settings:\n%s", b.String())
	}
	c.Augment, c.Conditional, c.Model.CondD = "translation,cutout", true, models.CondProjection
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	c.WriteJSON(&b)
	for _, want := range []string{`"augment": "translation,cutout"`, `"cond_d": "projection"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("config.json lacks %s:\n%s", want, b.String())
		}
	}
	if h := c.Hyper(); h.Augment.String() != "translation,cutout" {
		t.Errorf("Hyper().Augment = %v", h.Augment)
	}
	for _, bad := range []struct {
		edit  func(*Config)
		parts []string
	}{
		{func(c *Config) { c.Augment = "color" }, []string{"augment color", "RGB", "1 channel"}},
		{func(c *Config) { c.Augment = "flip" }, []string{"augment ", "flip"}},
		{func(c *Config) { *c = c.WithVAEDefaults(); c.Augment = "cutout" }, []string{"augment cutout", "vae"}},
		{func(c *Config) { c.Model.CondD = models.CondProjection }, []string{"model.cond_d projection", "conditional"}},
		{func(c *Config) { c.Model.CondD = "sum"; c.Conditional = true }, []string{"--cond-d", "sum"}},
		{func(c *Config) { c.Model.Kind, c.Model.CondD, c.Conditional = "mlp", models.CondProjection, true }, []string{"--cond-d projection", "mlp"}},
	} {
		c := DefaultConfig()
		bad.edit(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("%+v accepted", c)
			continue
		}
		for _, p := range bad.parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not mention %q", err, p)
			}
		}
	}
	rgb := DefaultConfig()
	rgb.Model.Channels, rgb.Augment = 3, "color,translation,cutout"
	if err := rgb.Validate(); err != nil {
		t.Errorf("color on RGB: %v", err)
	}
}
