package nn_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// dcgan is shaped like the pytorch/examples DCGAN models: a struct whose
// only field is a Sequential called main.
type dcgan struct {
	nn.Container
	main *nn.Sequential
}

func (d *dcgan) Forward(x *tensor.Tensor) *tensor.Tensor { return d.main.Forward(x) }

func newGenerator(nz, ngf, nc int, rng *rand.Rand) *dcgan {
	g := &dcgan{}
	s := nn.NewSequential()
	in := nz
	for i, mult := range []int{8, 4, 2, 1} {
		stride, pad := 2, 1
		if i == 0 {
			stride, pad = 1, 0
		}
		s.Append(nn.NewConvTranspose2d(in, ngf*mult, 4, stride, pad, 0, false, rng))
		s.Append(nn.NewBatchNorm2d(ngf * mult))
		s.Append(nn.NewReLU())
		in = ngf * mult
	}
	s.Append(nn.NewConvTranspose2d(in, nc, 4, 2, 1, 0, false, rng))
	s.Append(nn.NewTanh())
	g.main = nn.Add(&g.Container, "main", s)
	return g
}

func newDiscriminator(nc, ndf int, rng *rand.Rand) *dcgan {
	d := &dcgan{}
	s := nn.NewSequential(nn.NewConv2d(nc, ndf, 4, 2, 1, false, rng), nn.NewLeakyReLU(0.2))
	in := ndf
	for _, mult := range []int{2, 4, 8} {
		s.Append(nn.NewConv2d(in, ndf*mult, 4, 2, 1, false, rng))
		s.Append(nn.NewBatchNorm2d(ndf * mult))
		s.Append(nn.NewLeakyReLU(0.2))
		in = ndf * mult
	}
	s.Append(nn.NewConv2d(in, 1, 4, 1, 0, false, rng))
	s.Append(nn.NewSigmoid())
	d.main = nn.Add(&d.Container, "main", s)
	return d
}

type shaped struct {
	name  string
	shape []int
}

// Printed by PyTorch 1.13 from the pytorch/examples DCGAN with nz=100,
// ngf=ndf=8, nc=3: {k: v.shape for k, v in netG.state_dict().items()},
// without num_batches_tracked.
var torchG = []shaped{
	{"main.0.weight", []int{100, 64, 4, 4}},
	{"main.1.weight", []int{64}},
	{"main.1.bias", []int{64}},
	{"main.1.running_mean", []int{64}},
	{"main.1.running_var", []int{64}},
	{"main.3.weight", []int{64, 32, 4, 4}},
	{"main.4.weight", []int{32}},
	{"main.4.bias", []int{32}},
	{"main.4.running_mean", []int{32}},
	{"main.4.running_var", []int{32}},
	{"main.6.weight", []int{32, 16, 4, 4}},
	{"main.7.weight", []int{16}},
	{"main.7.bias", []int{16}},
	{"main.7.running_mean", []int{16}},
	{"main.7.running_var", []int{16}},
	{"main.9.weight", []int{16, 8, 4, 4}},
	{"main.10.weight", []int{8}},
	{"main.10.bias", []int{8}},
	{"main.10.running_mean", []int{8}},
	{"main.10.running_var", []int{8}},
	{"main.12.weight", []int{8, 3, 4, 4}},
}

// The same for netD.
var torchD = []shaped{
	{"main.0.weight", []int{8, 3, 4, 4}},
	{"main.2.weight", []int{16, 8, 4, 4}},
	{"main.3.weight", []int{16}},
	{"main.3.bias", []int{16}},
	{"main.3.running_mean", []int{16}},
	{"main.3.running_var", []int{16}},
	{"main.5.weight", []int{32, 16, 4, 4}},
	{"main.6.weight", []int{32}},
	{"main.6.bias", []int{32}},
	{"main.6.running_mean", []int{32}},
	{"main.6.running_var", []int{32}},
	{"main.8.weight", []int{64, 32, 4, 4}},
	{"main.9.weight", []int{64}},
	{"main.9.bias", []int{64}},
	{"main.9.running_mean", []int{64}},
	{"main.9.running_var", []int{64}},
	{"main.11.weight", []int{1, 64, 4, 4}},
}

func checkNames(t *testing.T, what string, got []nn.Param, want []shaped) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, PyTorch has %d", what, len(got), len(want))
	}
	for i, w := range want {
		if got[i].Name != w.name || !tensor.SameShape(got[i].T.Shape(), w.shape) {
			t.Errorf("%s[%d] = %s %v, PyTorch %s %v", what, i, got[i].Name, got[i].T.Shape(), w.name, w.shape)
		}
	}
}

func isBuffer(name string) bool {
	return strings.HasSuffix(name, "running_mean") || strings.HasSuffix(name, "running_var")
}

func TestNamesMatchPyTorch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name string
		m    nn.Module
		want []shaped
	}{
		{"G", newGenerator(100, 8, 3, rng), torchG},
		{"D", newDiscriminator(3, 8, rng), torchD},
	} {
		checkNames(t, c.name+" StateDict", nn.StateDict(c.m), c.want)
		var params, bufs []shaped
		for _, w := range c.want {
			if isBuffer(w.name) {
				bufs = append(bufs, w)
			} else {
				params = append(params, w)
			}
		}
		checkNames(t, c.name+" Params", c.m.Params(), params)
		checkNames(t, c.name+" Buffers", nn.Buffers(c.m), bufs)
		for _, p := range c.m.Params() {
			if !p.T.RequiresGrad() {
				t.Errorf("%s: parameter %s does not require grad", c.name, p.Name)
			}
		}
		for _, p := range nn.Buffers(c.m) {
			if p.T.RequiresGrad() {
				t.Errorf("%s: buffer %s requires grad", c.name, p.Name)
			}
		}
	}
}

func TestGeneratorShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g := newGenerator(16, 4, 3, rng)
	d := newDiscriminator(3, 4, rng)
	z := tensor.Randn(rng, 0, 1, 2, 16, 1, 1)
	var img, score *tensor.Tensor
	tensor.NoGrad(func() {
		img = g.Forward(z)
		score = d.Forward(img)
	})
	if !tensor.SameShape(img.Shape(), []int{2, 3, 64, 64}) || !tensor.SameShape(score.Shape(), []int{2, 1, 1, 1}) {
		t.Fatalf("G(z) %v, D(G(z)) %v; want [2 3 64 64], [2 1 1 1]", img.Shape(), score.Shape())
	}
}

// A container with own tensors and nested children orders its state as
// PyTorch does: own parameters, own buffers, then children.
type mixed struct {
	nn.Container
}

func (*mixed) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

func TestContainerOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m := &mixed{}
	m.RegisterParam("scale", tensor.Full(1, 3))
	m.RegisterBuffer("count", tensor.Zeros(1))
	inner := &mixed{}
	nn.Add(&inner.Container, "bn", nn.NewBatchNorm1d(2))
	nn.Add(&m.Container, "body", nn.NewSequential(nn.NewLinear(2, 2, true, rng), inner))
	nn.Add(&m.Container, "head", nn.NewLinear(2, 1, false, rng))
	var names []string
	for _, p := range nn.StateDict(m) {
		names = append(names, p.Name)
	}
	want := "scale count body.0.weight body.0.bias body.1.bn.weight body.1.bn.bias body.1.bn.running_mean body.1.bn.running_var head.weight"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("StateDict names\n got %s\nwant %s", got, want)
	}
	names = names[:0]
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	want = "scale body.0.weight body.0.bias body.1.bn.weight body.1.bn.bias head.weight"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Params names\n got %s\nwant %s", got, want)
	}
	var paths []string
	nn.Walk(m, func(path string, _ nn.Module) { paths = append(paths, path) })
	if got := strings.Join(paths, ","); got != ",body,body.0,body.1,body.1.bn,head" {
		t.Errorf("Walk paths %q", got)
	}
	if n := nn.CountParams(m); n != 3+6+4+2 {
		t.Errorf("CountParams = %d, want 15", n)
	}
}

func TestContainerBadNames(t *testing.T) {
	for _, name := range []string{"", "a.b", "dup"} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "nn: ") {
					t.Errorf("Register(%q): recover() = %v, want an nn: panic", name, r)
				}
			}()
			var c nn.Container
			c.Register("dup", nn.NewReLU())
			c.Register(name, nn.NewReLU())
		}()
	}
}

func TestLoadStateDict(t *testing.T) {
	a := newDiscriminator(3, 4, rand.New(rand.NewPCG(1, 1)))
	b := newDiscriminator(3, 4, rand.New(rand.NewPCG(2, 2)))
	// Give b's running stats distinct values so that buffers are checked too.
	for _, p := range nn.Buffers(b) {
		nn.Constant(p.T, 7)
	}
	if err := nn.LoadStateDict(a, nn.StateDict(b)); err != nil {
		t.Fatal(err)
	}
	sa, sb := nn.StateDict(a), nn.StateDict(b)
	for i := range sa {
		for j := range sa[i].T.Data {
			if sa[i].T.Data[j] != sb[i].T.Data[j] {
				t.Fatalf("%s[%d] not copied", sa[i].Name, j)
			}
		}
		if sa[i].T == sb[i].T {
			t.Fatalf("%s: LoadStateDict shared the tensor instead of copying", sa[i].Name)
		}
	}
	small := newDiscriminator(3, 2, rand.New(rand.NewPCG(3, 3)))
	cases := map[string][]nn.Param{
		"has shape":  nn.StateDict(small),
		"missing":    nn.StateDict(b)[1:],
		"unexpected": append(nn.StateDict(b), nn.Param{Name: "extra", T: tensor.Zeros(1)}),
		"twice":      append(nn.StateDict(b), nn.StateDict(b)[0]),
	}
	for want, ps := range cases {
		before := a.main.At(0).(*nn.Conv2d).Weight.Data[0]
		err := nn.LoadStateDict(a, ps)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "nn: ") {
			t.Errorf("LoadStateDict: error %v, want one mentioning %q", err, want)
		}
		if a.main.At(0).(*nn.Conv2d).Weight.Data[0] != before {
			t.Errorf("failed LoadStateDict (%s) changed the module", want)
		}
	}
}

func TestTrainEvalBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := newGenerator(4, 2, 1, rng)
	bn := m.main.At(1).(*nn.BatchNorm)
	x := tensor.Randn(rng, 3, 2, 8, 16, 2, 2)
	nn.Normal(bn.Weight, 1, 0.5, rng)
	nn.Normal(bn.Bias, 0, 0.5, rng)

	// Train mode: batch statistics, running stats move by momentum 0.1.
	y := bn.Forward(x)
	const c, s = 16, 4
	for ch := range c {
		var sum, sq float64
		var xs float64
		for n := range 8 {
			for k := range s {
				i := (n*c+ch)*s + k
				v := (float64(y.Data[i]) - float64(bn.Bias.Data[ch])) / float64(bn.Weight.Data[ch])
				sum += v
				sq += v * v
				xs += float64(x.Data[i])
			}
		}
		mean, vr := sum/32, sq/32
		if !approx.Near(mean, 0, 1e-4) || !approx.Near(vr, 1, 1e-3) {
			t.Errorf("train channel %d: normalised mean %.3g var %.5g, want 0 and 1", ch, mean, vr)
		}
		if want := 0.1 * xs / 32; !approx.Near(float64(bn.RunningMean.Data[ch]), want, 1e-5) {
			t.Errorf("running_mean[%d] = %v, want %v", ch, bn.RunningMean.Data[ch], want)
		}
	}

	// Eval mode through the whole tree: running statistics, no updates.
	nn.SetTraining(m, false)
	for i := range m.main.Len() {
		if b, ok := m.main.At(i).(*nn.BatchNorm); ok && b.Training {
			t.Fatalf("SetTraining(false) missed main.%d", i)
		}
	}
	for ch := range c {
		bn.RunningMean.Data[ch] = float32(ch) * 0.1
		bn.RunningVar.Data[ch] = 1 + float32(ch)*0.5
	}
	before := append([]float32(nil), bn.RunningMean.Data...)
	y = bn.Forward(x)
	for i, v := range y.Data {
		ch := i / s % c
		want := (float64(x.Data[i])-float64(bn.RunningMean.Data[ch]))/math.Sqrt(float64(bn.RunningVar.Data[ch])+1e-5)*
			float64(bn.Weight.Data[ch]) + float64(bn.Bias.Data[ch])
		if !approx.Near(float64(v), want, 1e-5*(1+math.Abs(want))) {
			t.Fatalf("eval y[%d] = %v, want %v", i, v, want)
		}
	}
	for i := range before {
		if bn.RunningMean.Data[i] != before[i] {
			t.Fatal("eval mode changed running_mean")
		}
	}
	nn.SetTraining(m, true)
	if !bn.Training {
		t.Fatal("SetTraining(true) did not reach BatchNorm")
	}
}

func TestBatchNorm1dShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	bn := nn.NewBatchNorm1d(3)
	for _, shape := range [][]int{{5, 3}, {4, 3, 6}} {
		y := bn.Forward(tensor.Randn(rng, 0, 1, shape...))
		if !tensor.SameShape(y.Shape(), shape) {
			t.Errorf("BatchNorm1d on %v gave %v", shape, y.Shape())
		}
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("BatchNorm1d on 4-D input did not panic")
		}
	}()
	bn.Forward(tensor.Zeros(2, 3, 2, 2))
}

func TestDropoutModes(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	d := nn.NewDropout(0.25, rng)
	m := nn.NewSequential(nn.NewLinear(4, 4, true, rng), d)
	x := tensor.Full(1, 1000, 4)
	y := d.Forward(x)
	zeros := 0
	for _, v := range y.Data {
		switch v {
		case 0:
			zeros++
		case 1 / 0.75:
		default:
			t.Fatalf("train dropout value %v, want 0 or 4/3", v)
		}
	}
	if frac := float64(zeros) / 4000; !approx.Near(frac, 0.25, 0.03) {
		t.Errorf("dropped fraction %.3f, want 0.25", frac)
	}
	nn.SetTraining(m, false)
	if y := d.Forward(x); y != x {
		t.Error("eval dropout is not the identity")
	}
}

func TestActivationsAndShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	x := tensor.Randn(rng, 0, 1, 2, 3, 4, 4)
	for _, c := range []struct {
		m nn.Module
		f func(float32) float32
	}{
		{nn.NewReLU(), func(v float32) float32 { return max(v, 0) }},
		{nn.NewLeakyReLU(0.2), func(v float32) float32 {
			if v > 0 {
				return v
			}
			return 0.2 * v
		}},
		{nn.NewTanh(), func(v float32) float32 { return float32(math.Tanh(float64(v))) }},
		{nn.NewSigmoid(), func(v float32) float32 { return float32(1 / (1 + math.Exp(-float64(v)))) }},
	} {
		y := c.m.Forward(x)
		for i, v := range x.Data {
			if want := c.f(v); !approx.Near(float64(y.Data[i]), float64(want), 1e-6) {
				t.Fatalf("%T(%v) = %v, want %v", c.m, v, y.Data[i], want)
			}
		}
		if c.m.Params() != nil {
			t.Errorf("%T has parameters", c.m)
		}
	}
	if s := nn.NewFlatten().Forward(x).Shape(); !tensor.SameShape(s, []int{2, 48}) {
		t.Errorf("Flatten gave %v", s)
	}
	if s := nn.NewReshape(3, -1, 2).Forward(x).Shape(); !tensor.SameShape(s, []int{2, 3, 8, 2}) {
		t.Errorf("Reshape(3,-1,2) gave %v", s)
	}
	if s := nn.NewLinear(4, 5, true, rng).Forward(x).Shape(); !tensor.SameShape(s, []int{2, 3, 4, 5}) {
		t.Errorf("Linear(4,5) on (2,3,4,4) gave %v", s)
	}
	if s := nn.NewMaxPool2d(2, 2, 0).Forward(x).Shape(); !tensor.SameShape(s, []int{2, 3, 2, 2}) {
		t.Errorf("MaxPool2d gave %v", s)
	}
	if s := nn.NewAvgPool2d(3, 1, 1).Forward(x).Shape(); !tensor.SameShape(s, []int{2, 3, 4, 4}) {
		t.Errorf("AvgPool2d gave %v", s)
	}
	e := nn.NewEmbedding(10, 3, rng)
	y := e.Forward(tensor.New([]float32{1, 9, 1, 0}, 2, 2))
	if !tensor.SameShape(y.Shape(), []int{2, 2, 3}) || y.Data[6] != e.Weight.Data[3] || y.Data[3] != e.Weight.Data[27] {
		t.Errorf("Embedding forward: %v", y)
	}
}
