package train

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gogan/gan/train/tensor"
)

// Augment is a DiffAugment policy (Zhao et al. 2020): the transforms, in
// order, that every image D sees goes through, real and generated, in the D
// step and the G step. They are differentiable, so G learns through them;
// each batch gets its own random draw per sample from the loop's stream.
// nil is off.
type Augment []string

// The transforms of a policy, as the official DiffAugment code names them.
const (
	AugColor       = "color"       // brightness, saturation and contrast; RGB only
	AugTranslation = "translation" // shift by up to 1/8 of the image, zero fill
	AugCutout      = "cutout"      // zero a square of half the image's side
)

// AugmentKinds lists the transforms --augment takes.
var AugmentKinds = []string{AugTranslation, AugCutout, AugColor}

// ParseAugment reads a comma list such as "translation,cutout"; "" is off.
// The transforms apply in the order given, as in the official code
// (which recommends "color,translation,cutout").
func ParseAugment(s string) (Augment, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var a Augment
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		switch {
		case !slices.Contains(AugmentKinds, p):
			return nil, settingErr("augment", "{augment} %q: unknown transform %q; give a comma list of %s (or \"\" for none)", s, p, strings.Join(AugmentKinds, ", "))
		case slices.Contains(a, p):
			return nil, settingErr("augment", "{augment} %q: %s is listed twice", s, p)
		}
		a = append(a, p)
	}
	return a, nil
}

// String is the policy as --augment takes it.
func (a Augment) String() string { return strings.Join(a, ",") }

// checkChannels refuses colour jitter on gray images: DiffAugment's
// saturation is meaningless with one channel.
func (a Augment) checkChannels(channels int) error {
	if channels != 3 && slices.Contains(a, AugColor) {
		return settingErr("augment", "{augment} %s: color needs RGB images, but the data has %d channel(s); leave color out (e.g. {augment} translation,cutout)", a, channels)
	}
	return nil
}

// augDraw is one random draw of a policy for one batch: a fixed linear map
// that can be applied again (R1 differentiates D through the very
// augmentation its loss saw). The zero value is the identity.
type augDraw []func(*tensor.Tensor) *tensor.Tensor

// draw makes the per-sample draws for n images of h x w pixels, transform
// by transform in the policy's order.
func (a Augment) draw(rng *rand.Rand, n, h, w int) augDraw {
	var d augDraw
	for _, p := range a {
		switch p {
		case AugColor:
			b, s, c := drawColor(rng, n)
			d = append(d,
				func(x *tensor.Tensor) *tensor.Tensor { return tensor.Brightness(x, b) },
				func(x *tensor.Tensor) *tensor.Tensor { return tensor.Saturation(x, s) },
				func(x *tensor.Tensor) *tensor.Tensor { return tensor.Contrast(x, c) })
		case AugTranslation:
			dy, dx := drawTranslation(rng, n, h, w)
			d = append(d, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Translate(x, dy, dx) })
		case AugCutout:
			top, left, ch, cw := drawCutout(rng, n, h, w)
			d = append(d, func(x *tensor.Tensor) *tensor.Tensor { return tensor.Cutout(x, top, left, ch, cw) })
		default:
			panic("train: unknown augmentation " + p)
		}
	}
	return d
}

// The draws below follow the official DiffAugment-pytorch in distribution
// and order (one value per sample for each parameter in turn).

// drawColor draws brightness offsets U[-0.5, 0.5), saturation factors
// U[0, 2) and contrast factors U[0.5, 1.5).
func drawColor(rng *rand.Rand, n int) (b, s, c []float32) {
	b, s, c = make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range b {
		b[i] = rng.Float32() - 0.5
	}
	for i := range s {
		s[i] = 2 * rng.Float32()
	}
	for i := range c {
		c[i] = rng.Float32() + 0.5
	}
	return b, s, c
}

// drawTranslation draws shifts dy, dx uniform over the integers in
// [-round(H/8), round(H/8)] and [-round(W/8), round(W/8)].
func drawTranslation(rng *rand.Rand, n, h, w int) (dy, dx []int) {
	sy, sx := int(float64(h)*0.125+0.5), int(float64(w)*0.125+0.5)
	dy, dx = make([]int, n), make([]int, n)
	for i := range dy {
		dy[i] = rng.IntN(2*sy+1) - sy
	}
	for i := range dx {
		dx[i] = rng.IntN(2*sx+1) - sx
	}
	return dy, dx
}

// drawCutout draws squares of side round(H/2) x round(W/2) whose centre
// (offset in the official code) is uniform over the integers in
// [0, H + 1 - side%2), so a square may hang off the image by up to half
// its side; it returns their top-left corners.
func drawCutout(rng *rand.Rand, n, h, w int) (top, left []int, ch, cw int) {
	ch, cw = int(float64(h)*0.5+0.5), int(float64(w)*0.5+0.5)
	top, left = make([]int, n), make([]int, n)
	for i := range top {
		top[i] = rng.IntN(h+1-ch%2) - ch/2
	}
	for i := range left {
		left[i] = rng.IntN(w+1-cw%2) - cw/2
	}
	return top, left, ch, cw
}

// apply runs the drawn transforms on x (N, C, H, W); with none it returns
// x itself.
func (d augDraw) apply(x *tensor.Tensor) *tensor.Tensor {
	for _, f := range d {
		x = f(x)
	}
	return x
}
