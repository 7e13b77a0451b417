package nn_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

func moments(d []float32) (mean, std, maxAbs float64) {
	for _, v := range d {
		mean += float64(v)
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	mean /= float64(len(d))
	for _, v := range d {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(d))), maxAbs
}

// near reports whether got is within rel of want.
func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

func TestDCGANInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 1))
	conv := nn.NewConv2d(256, 256, 4, 2, 1, false, rng) // 1M weights
	convT := nn.NewConvTranspose2d(128, 64, 4, 2, 1, 0, false, rng)
	lin := nn.NewLinear(512, 256, true, rng)
	bn := nn.NewBatchNorm2d(8192)
	emb := nn.NewEmbedding(10, 4, rng)
	m := &dcgan{}
	m.main = nn.Add(&m.Container, "main", nn.NewSequential(conv, bn, nn.NewSequential(convT, lin), emb))
	nn.Constant(bn.Bias, 3)
	linBias := append([]float32(nil), lin.Bias.Data...)
	embW := append([]float32(nil), emb.Weight.Data...)

	nn.DCGANInit(m, rng)
	for _, c := range []struct {
		name string
		t    *tensor.Tensor
	}{{"conv", conv.Weight}, {"convT", convT.Weight}, {"linear", lin.Weight}} {
		mean, std, _ := moments(c.t.Data)
		// Standard error of the std estimate is ~0.02/sqrt(2n).
		if !approx.Near(mean, 0, 5*0.02/math.Sqrt(float64(c.t.Numel()))) || !near(std, 0.02, 0.03) {
			t.Errorf("%s weight: mean %.3g std %.4g, want N(0, 0.02^2)", c.name, mean, std)
		}
	}
	mean, std, _ := moments(bn.Weight.Data)
	if !near(mean, 1, 0.002) || !near(std, 0.02, 0.05) {
		t.Errorf("BatchNorm weight: mean %.4g std %.4g, want N(1, 0.02^2)", mean, std)
	}
	for _, v := range bn.Bias.Data {
		if v != 0 {
			t.Fatal("BatchNorm bias not zeroed")
		}
	}
	for i := range linBias {
		if lin.Bias.Data[i] != linBias[i] {
			t.Fatal("DCGANInit changed a Linear bias")
		}
	}
	for i := range embW {
		if emb.Weight.Data[i] != embW[i] {
			t.Fatal("DCGANInit changed an Embedding")
		}
	}

	// Same seed, same weights.
	again := nn.NewConv2d(256, 256, 4, 2, 1, false, rng)
	nn.DCGANInit(again, rand.New(rand.NewPCG(31, 1)))
	w1 := append([]float32(nil), again.Weight.Data...)
	nn.DCGANInit(again, rand.New(rand.NewPCG(31, 1)))
	for i := range w1 {
		if w1[i] != again.Weight.Data[i] {
			t.Fatal("DCGANInit is not repeatable for a fixed seed")
		}
	}
}

// PyTorch's default init draws weights and biases from
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)); a ConvTranspose2d's fan_in is
// out*k*k because its weight is (in, out, k, k).
func TestDefaultInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 2))
	lin := nn.NewLinear(1024, 512, true, rng)
	conv := nn.NewConv2d(64, 128, 3, 1, 1, true, rng)
	convT := nn.NewConvTranspose2d(512, 8, 4, 2, 1, 0, true, rng)
	for _, c := range []struct {
		name string
		w, b *tensor.Tensor
		fan  int
	}{
		{"Linear", lin.Weight, lin.Bias, 1024},
		{"Conv2d", conv.Weight, conv.Bias, 64 * 9},
		{"ConvTranspose2d", convT.Weight, convT.Bias, 8 * 16},
	} {
		bound := 1 / math.Sqrt(float64(c.fan)) * (1 + 1e-7) // float32 rounding
		mean, std, maxAbs := moments(c.w.Data)
		if maxAbs > bound || maxAbs < 0.99*bound || !near(std, bound/math.Sqrt(3), 0.02) || !approx.Near(mean, 0, 0.01*bound) {
			t.Errorf("%s weight: mean %.3g std %.4g max %.4g; want U(-%.4g, %.4g)", c.name, mean, std, maxAbs, bound, bound)
		}
		_, _, maxAbs = moments(c.b.Data)
		if maxAbs > bound || maxAbs < 0.2*bound {
			t.Errorf("%s bias: max |b| %.4g, want U(-%.4g, %.4g)", c.name, maxAbs, bound, bound)
		}
	}
}

func TestKaimingXavier(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 3))
	w := tensor.Zeros(256, 128, 3, 3) // fan_in 1152, fan_out 2304
	fanIn, fanOut := 1152.0, 2304.0
	for _, c := range []struct {
		name       string
		init       func()
		std, bound float64 // bound 0: normal
	}{
		{"KaimingNormal fan_in relu", func() { nn.KaimingNormal(w, 0, nn.FanIn, rng) }, math.Sqrt(2 / fanIn), 0},
		{"KaimingNormal fan_out a=0.2", func() { nn.KaimingNormal(w, 0.2, nn.FanOut, rng) }, math.Sqrt(2/1.04) / math.Sqrt(fanOut), 0},
		{"KaimingUniform fan_in relu", func() { nn.KaimingUniform(w, 0, nn.FanIn, rng) }, math.Sqrt(2 / fanIn), math.Sqrt(6 / fanIn)},
		{"XavierNormal gain 1", func() { nn.XavierNormal(w, 1, rng) }, math.Sqrt(2 / (fanIn + fanOut)), 0},
		{"XavierUniform gain 5/3", func() { nn.XavierUniform(w, 5.0/3, rng) }, 5.0 / 3 * math.Sqrt(2/(fanIn+fanOut)), 5.0 / 3 * math.Sqrt(6/(fanIn+fanOut))},
	} {
		c.init()
		mean, std, maxAbs := moments(w.Data)
		if !near(std, c.std, 0.01) || !approx.Near(mean, 0, 0.01*c.std) {
			t.Errorf("%s: mean %.3g std %.5g, want 0 and %.5g", c.name, mean, std, c.std)
		}
		if c.bound > 0 && (maxAbs > c.bound*(1+1e-7) || maxAbs < 0.999*c.bound) {
			t.Errorf("%s: max |w| %.5g, want bound %.5g", c.name, maxAbs, c.bound)
		}
		if c.bound == 0 && maxAbs < 4*c.std {
			t.Errorf("%s: max |w| %.5g looks bounded, not normal (std %.5g)", c.name, maxAbs, c.std)
		}
	}
	if in, out := nn.Fans([]int{10, 3}); in != 3 || out != 10 {
		t.Errorf("Fans(10,3) = %d, %d", in, out)
	}
}
