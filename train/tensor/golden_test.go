package tensor_test

import (
	"hash/fnv"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/train/tensor"
	"github.com/gogan/gan/train/tensor/tensortest"
)

// The golden tests compare the engine with PyTorch float64 results stored in
// testdata/ by scripts/fixtures.py. Each tensor must satisfy
// ||got-want||/||want|| <= goldenTol. PyTorch's own float32 path stays
// within 5e-6 of float64 on every fixture (the script prints the figures),
// so a float32 engine with sound accumulation has room to spare. The
// tightest tensor is the DCGAN's G.7.bias gradient, one sum of 6272 terms
// that cancel 277-fold (sum|g| / |sum g|); float32 lands near 4e-6 there.
const goldenTol = 1e-5

type fixture map[string]tensortest.NPYArray

func loadFixture(t *testing.T, name string) fixture {
	t.Helper()
	arrs, err := tensortest.LoadNPZ(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 scripts/fixtures.py)", err)
	}
	return arrs
}

// get returns the named array, failing the test when the fixture lacks it.
func (f fixture) get(t *testing.T, key string) tensortest.NPYArray {
	t.Helper()
	a, ok := f[key]
	if !ok {
		t.Fatalf("fixture has no array %q", key)
	}
	return a
}

// leaf returns the named array as a float32 leaf that takes gradients, or
// nil when the fixture has no such array (a conv without bias).
func (f fixture) leaf(key string) *tensor.Tensor {
	a, ok := f[key]
	if !ok {
		return nil
	}
	return a.Tensor().SetRequiresGrad(true)
}

// cases lists the case names of a fixture whose arrays are "case/array".
func (f fixture) cases() []string {
	var names []string
	for k := range f {
		if c, _, ok := strings.Cut(k, "/"); ok && !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	slices.Sort(names)
	return names
}

// relNorm returns ||got-want|| / ||want||, summed in float64; when want is
// all zeros it returns ||got||.
func relNorm(got []float32, want []float64) float64 {
	var d2, w2 float64
	for i, w := range want {
		d := float64(got[i]) - w
		d2 += d * d
		w2 += w * w
	}
	if w2 == 0 {
		return math.Sqrt(d2)
	}
	return math.Sqrt(d2 / w2)
}

// checker compares tensors of one case and remembers the worst ratio.
type checker struct {
	t         *testing.T
	worst     float64
	worstName string
}

func newChecker(t *testing.T) *checker { return &checker{t: t, worst: -1} }

func (c *checker) check(name string, got *tensor.Tensor, want tensortest.NPYArray) {
	c.t.Helper()
	if got == nil {
		c.t.Errorf("%s: no tensor", name)
		return
	}
	if !slices.Equal(got.Shape(), want.Shape) {
		c.t.Errorf("%s: shape %v, want %v", name, got.Shape(), want.Shape)
		return
	}
	r := relNorm(got.Data, want.Data)
	if r > c.worst || math.IsNaN(r) && !math.IsNaN(c.worst) {
		c.worst, c.worstName = r, name
	}
	if !(r <= goldenTol) {
		c.t.Errorf("%s %v: relative error %.3g > %.0e", name, want.Shape, r, goldenTol)
	}
}

func (c *checker) log() {
	c.t.Logf("worst relative error %.3g (%s)", c.worst, c.worstName)
}

// gradModes runs each op case twice: with the fused backward kernels used in
// training, and with the backward recorded as differentiable ops (the path
// that gradient penalties differentiate again).
var gradModes = []struct {
	name        string
	createGraph bool
}{{"fused", false}, {"graph", true}}

// runOpCases runs every case of an op fixture in both gradient modes; run
// builds the op from the case's arrays and checks its output and the
// gradients of sum(w_out*y). wantCases guards against a fixture that lost
// cases, since the case list comes from the file.
func runOpCases(t *testing.T, file string, wantCases int, run func(t *testing.T, f fixture, c string, createGraph bool, ck *checker)) {
	f := loadFixture(t, file)
	cases := f.cases()
	if len(cases) != wantCases {
		t.Fatalf("%s has %d cases %v, want %d", file, len(cases), cases, wantCases)
	}
	for _, c := range cases {
		for _, m := range gradModes {
			t.Run(c+"/"+m.name, func(t *testing.T) {
				ck := newChecker(t)
				run(t, f, c, m.createGraph, ck)
				ck.log()
			})
		}
	}
}

// weightedGrads returns the gradients of sum(w_out*y) for the non-nil leaves,
// in order, with nil in the places of nil leaves.
func weightedGrads(y, wOut *tensor.Tensor, createGraph bool, leaves ...*tensor.Tensor) []*tensor.Tensor {
	var live []*tensor.Tensor
	for _, l := range leaves {
		if l != nil {
			live = append(live, l)
		}
	}
	gs := tensor.Grad(tensor.Sum(tensor.Mul(y, wOut)), live, nil, createGraph)
	out := make([]*tensor.Tensor, len(leaves))
	j := 0
	for i, l := range leaves {
		if l != nil {
			out[i] = gs[j]
			j++
		}
	}
	return out
}

func TestGoldenConv2d(t *testing.T) {
	runOpCases(t, "conv2d.npz", 7, func(t *testing.T, f fixture, c string, createGraph bool, ck *checker) {
		x, w, b := f.leaf(c+"/x"), f.leaf(c+"/w"), f.leaf(c+"/b")
		y := tensor.Conv2d(x, w, b, f.get(t, c+"/stride").Int(), f.get(t, c+"/pad").Int())
		ck.check("y", y, f.get(t, c+"/y"))
		g := weightedGrads(y, f.get(t, c+"/w_out").Tensor(), createGraph, x, w, b)
		ck.check("grad x", g[0], f.get(t, c+"/gx"))
		ck.check("grad w", g[1], f.get(t, c+"/gw"))
		if b != nil {
			ck.check("grad b", g[2], f.get(t, c+"/gb"))
		}
	})
}

func TestGoldenConvTranspose2d(t *testing.T) {
	runOpCases(t, "convtranspose2d.npz", 7, func(t *testing.T, f fixture, c string, createGraph bool, ck *checker) {
		x, w, b := f.leaf(c+"/x"), f.leaf(c+"/w"), f.leaf(c+"/b")
		y := tensor.ConvTranspose2d(x, w, b, f.get(t, c+"/stride").Int(), f.get(t, c+"/pad").Int(), f.get(t, c+"/outpad").Int())
		ck.check("y", y, f.get(t, c+"/y"))
		g := weightedGrads(y, f.get(t, c+"/w_out").Tensor(), createGraph, x, w, b)
		ck.check("grad x", g[0], f.get(t, c+"/gx"))
		ck.check("grad w", g[1], f.get(t, c+"/gw"))
		if b != nil {
			ck.check("grad b", g[2], f.get(t, c+"/gb"))
		}
	})
}

func TestGoldenBatchNorm(t *testing.T) {
	runOpCases(t, "batchnorm.npz", 5, func(t *testing.T, f fixture, c string, createGraph bool, ck *checker) {
		x, gamma, beta := f.leaf(c+"/x"), f.leaf(c+"/gamma"), f.leaf(c+"/beta")
		rm, rv := f.get(t, c+"/running_mean0").Tensor(), f.get(t, c+"/running_var0").Tensor()
		training := f.get(t, c+"/training").Int() == 1
		mom, eps := float32(f.get(t, c+"/momentum").Data[0]), float32(f.get(t, c+"/eps").Data[0])
		y := tensor.BatchNorm(x, gamma, beta, rm, rv, training, mom, eps)
		ck.check("y", y, f.get(t, c+"/y"))
		ck.check("running mean", rm, f.get(t, c+"/running_mean"))
		ck.check("running var", rv, f.get(t, c+"/running_var"))
		g := weightedGrads(y, f.get(t, c+"/w_out").Tensor(), createGraph, x, gamma, beta)
		ck.check("grad x", g[0], f.get(t, c+"/gx"))
		ck.check("grad gamma", g[1], f.get(t, c+"/ggamma"))
		ck.check("grad beta", g[2], f.get(t, c+"/gbeta"))
	})
}

func TestGoldenPool(t *testing.T) {
	runOpCases(t, "pool.npz", 7, func(t *testing.T, f fixture, c string, createGraph bool, ck *checker) {
		x := f.leaf(c + "/x")
		k, s, p := f.get(t, c+"/k").Int(), f.get(t, c+"/stride").Int(), f.get(t, c+"/pad").Int()
		var y *tensor.Tensor
		if f.get(t, c+"/max").Int() == 1 {
			y = tensor.MaxPool2d(x, k, s, p)
		} else {
			y = tensor.AvgPool2d(x, k, s, p)
		}
		ck.check("y", y, f.get(t, c+"/y"))
		g := weightedGrads(y, f.get(t, c+"/w_out").Tensor(), createGraph, x)
		ck.check("grad x", g[0], f.get(t, c+"/gx"))
	})
}

// paramStream reproduces scripts/fixtures.py's parameter draw: element i is
// float32(lo + (hi-lo)*u_i) with u_i the top 24 bits of
// splitmix64(fnv1a64(name) + (i+1)*golden) over 2^24. The float64 expression
// is exact, so the only rounding is the final one, the same in both.
func paramStream(name string, lo, hi float64, shape ...int) *tensor.Tensor {
	h := fnv.New64a()
	h.Write([]byte(name))
	seed := h.Sum64()
	t := tensor.Zeros(shape...)
	for i := range t.Data {
		z := seed + uint64(i+1)*0x9E3779B97F4A7C15
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		z ^= z >> 31
		u := float64(z>>40) * 0x1p-24
		t.Data[i] = float32(lo + (hi-lo)*u)
	}
	return t
}

// dcganParams lists the reference DCGAN's parameters with PyTorch's names
// (nn.Sequential indices) and shapes.
var dcganParams = []struct {
	name  string
	shape []int
}{
	{"G.0.weight", []int{128 * 7 * 7, 100}},
	{"G.2.weight", []int{128}}, {"G.2.bias", []int{128}},
	{"G.4.weight", []int{128, 64, 4, 4}},
	{"G.5.weight", []int{64}}, {"G.5.bias", []int{64}},
	{"G.7.weight", []int{64, 1, 4, 4}}, {"G.7.bias", []int{1}},
	{"D.0.weight", []int{64, 1, 4, 4}}, {"D.0.bias", []int{64}},
	{"D.2.weight", []int{128, 64, 4, 4}},
	{"D.3.weight", []int{128}}, {"D.3.bias", []int{128}},
	{"D.6.weight", []int{1, 128 * 7 * 7}}, {"D.6.bias", []int{1}},
}

// dcgan holds the reference networks' parameters and BatchNorm buffers.
type dcgan struct {
	p map[string]*tensor.Tensor
}

func (m *dcgan) bn(x *tensor.Tensor, layer string) *tensor.Tensor {
	return tensor.BatchNorm(x, m.p[layer+".weight"], m.p[layer+".bias"],
		m.p[layer+".running_mean"], m.p[layer+".running_var"], true, 0.1, 1e-5)
}

// G: z(100) -> Linear(100, 6272, no bias) -> (N,128,7,7) -> BN -> ReLU ->
// ConvT(128,64,4,2,1, no bias) -> BN -> ReLU -> ConvT(64,1,4,2,1) -> Tanh.
func (m *dcgan) G(z *tensor.Tensor) *tensor.Tensor {
	h := tensor.MatMul(z, m.p["G.0.weight"], false, true)
	h = tensor.Reshape(h, z.Dim(0), 128, 7, 7)
	h = tensor.Relu(m.bn(h, "G.2"))
	h = tensor.ConvTranspose2d(h, m.p["G.4.weight"], nil, 2, 1, 0)
	h = tensor.Relu(m.bn(h, "G.5"))
	h = tensor.ConvTranspose2d(h, m.p["G.7.weight"], m.p["G.7.bias"], 2, 1, 0)
	return tensor.Tanh(h)
}

// D: Conv(1,64,4,2,1) -> LeakyReLU(0.2) -> Conv(64,128,4,2,1, no bias) -> BN
// -> LeakyReLU(0.2) -> flatten -> Linear(6272, 1) -> logit (N,1).
func (m *dcgan) D(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.LeakyRelu(tensor.Conv2d(x, m.p["D.0.weight"], m.p["D.0.bias"], 2, 1), 0.2)
	h = tensor.Conv2d(h, m.p["D.2.weight"], nil, 2, 1)
	h = tensor.LeakyRelu(m.bn(h, "D.3"), 0.2)
	h = tensor.MatMul(tensor.Flatten(h), m.p["D.6.weight"], false, true)
	return tensor.Add(h, m.p["D.6.bias"])
}

// TestGoldenDCGAN runs one discriminator loss and one non-saturating
// generator loss of the reference DCGAN, all modules in training mode, and
// compares the losses, the activations on the way, every gradient and the
// BatchNorm running statistics with PyTorch. The call order matches the
// script: G(z) once, then D(x_real), D(fake.detach()), D(fake).
func TestGoldenDCGAN(t *testing.T) {
	f := loadFixture(t, "dcgan.npz")
	m := &dcgan{p: map[string]*tensor.Tensor{}}
	var dParams, gParams []*tensor.Tensor
	for _, p := range dcganParams {
		init := f.get(t, "init/"+p.name).Data
		w := paramStream(p.name, init[0], init[1], p.shape...).SetRequiresGrad(true)
		var sum float64
		for _, v := range w.Data {
			sum += float64(v)
		}
		if !approx.Near(sum, init[2], 1e-9*math.Max(1, math.Abs(init[2]))) {
			t.Fatalf("%s: generated parameters sum to %v, the script's to %v: paramStream differs from scripts/fixtures.py", p.name, sum, init[2])
		}
		m.p[p.name] = w
		if p.name[0] == 'D' {
			dParams = append(dParams, w)
		} else {
			gParams = append(gParams, w)
		}
	}
	for layer, c := range map[string]int{"G.2": 128, "G.5": 64, "D.3": 128} {
		m.p[layer+".running_mean"] = tensor.Zeros(c)
		m.p[layer+".running_var"] = tensor.Full(1, c)
	}
	z, xReal := f.get(t, "z").Tensor(), f.get(t, "x_real").Tensor()
	n := z.Dim(0)
	ones, zeros := tensor.Full(1, n, 1), tensor.Zeros(n, 1)

	fake := m.G(z)
	dReal := m.D(xReal)
	dFake := m.D(fake.Detach())
	lossD := tensor.Add(tensor.BCEWithLogits(dReal, ones), tensor.BCEWithLogits(dFake, zeros))
	gradD := tensor.Grad(lossD, dParams, nil, false)
	dGen := m.D(fake)
	lossG := tensor.BCEWithLogits(dGen, ones)
	gradG := tensor.Grad(lossG, gParams, nil, false)

	ck := newChecker(t)
	ck.check("fake", fake, f.get(t, "fake"))
	ck.check("D(x_real)", dReal, f.get(t, "d_real"))
	ck.check("D(fake.detach())", dFake, f.get(t, "d_fake"))
	ck.check("D(fake)", dGen, f.get(t, "d_gen"))
	ck.check("loss_d", lossD, f.get(t, "loss_d"))
	ck.check("loss_g", lossG, f.get(t, "loss_g"))
	grads := append(gradD, gradG...)
	for i, w := range append(dParams, gParams...) {
		name := paramName(m, w)
		ck.check("grad "+name, grads[i], f.get(t, "grad/"+name))
	}
	for _, layer := range []string{"G.2", "G.5", "D.3"} {
		for _, buf := range []string{".running_mean", ".running_var"} {
			ck.check(layer+buf, m.p[layer+buf], f.get(t, layer+buf))
		}
	}
	ck.log()
}

func paramName(m *dcgan, w *tensor.Tensor) string {
	for k, v := range m.p {
		if v == w {
			return k
		}
	}
	panic("tensor_test: unnamed parameter")
}

// TestGoldenResample runs nearest upsampling and the fused resampling
// convolutions against PyTorch's two-step forms (interpolate then conv2d,
// conv2d then avg_pool2d).
func TestGoldenResample(t *testing.T) {
	runOpCases(t, "resample.npz", 6, func(t *testing.T, f fixture, c string, createGraph bool, ck *checker) {
		x, w, b := f.leaf(c+"/x"), f.leaf(c+"/w"), f.leaf(c+"/b")
		var y *tensor.Tensor
		switch f.get(t, c+"/kind").Int() {
		case 0:
			y = tensor.UpsampleNearest2d(x, f.get(t, c+"/scale").Int())
		case 1:
			y = tensor.UpConv2d(x, w, b)
		default:
			y = tensor.ConvAvgPool2d(x, w, b)
		}
		ck.check("y", y, f.get(t, c+"/y"))
		g := weightedGrads(y, f.get(t, c+"/w_out").Tensor(), createGraph, x, w, b)
		ck.check("grad x", g[0], f.get(t, c+"/gx"))
		if w != nil {
			ck.check("grad w", g[1], f.get(t, c+"/gw"))
		}
		if b != nil {
			ck.check("grad b", g[2], f.get(t, c+"/gb"))
		}
	})
}
