package nn_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// The quadratic problem L = sum(c * (p - target)^2) for a (2,3) parameter.
var (
	quadP0     = []float32{0.5, -1.25, 2.0, 0.125, -0.75, 3.5}
	quadTarget = []float32{1.0, 0.5, -1.0, 0.0, 2.0, 1.5}
	quadC      = []float32{1.0, 2.0, 0.5, 3.0, 0.25, 1.0}
)

func quadLoss(p *tensor.Tensor) *tensor.Tensor {
	target := tensor.New(append([]float32(nil), quadTarget...), 2, 3)
	c := tensor.New(append([]float32(nil), quadC...), 2, 3)
	return tensor.Sum(tensor.Mul(tensor.Square(tensor.Sub(p, target)), c))
}

// Values from PyTorch 1.13 (torch.optim.Adam on CPU, float32):
//
//	p = torch.tensor(quadP0).view(2, 3).requires_grad_()
//	opt = torch.optim.Adam([p], lr, betas, eps, weight_decay)
//	for step in range(5):
//	    opt.zero_grad(); ((p - target)**2 * c).sum().backward(); opt.step()
//	    print(p)   # printed with "%.9g"
//
// followed by opt.state[p]['exp_avg'] and ['exp_avg_sq'] after step 5.
var torchAdam = []struct {
	lr, beta1, beta2, eps, wd float64
	params                    [5][6]float32
	expAvg, expAvgSq          [6]float32
}{
	{
		lr: 0.1, beta1: 0.5, beta2: 0.999, eps: 1e-8, wd: 0,
		params: [5][6]float32{
			{0.599999964, -1.14999998, 1.89999998, 0.0249999985, -0.649999976, 3.4000001},
			{0.695712566, -1.0510217, 1.80057836, -0.0397299752, -0.550633371, 3.30088615},
			{0.783580899, -0.953717709, 1.70208788, -0.0427109972, -0.452288717, 3.20321631},
			{0.860026598, -0.858657539, 1.60482574, -0.0117263757, -0.355294883, 3.10747266},
			{0.922098398, -0.766306102, 1.50902605, 0.0146088526, -0.259912252, 3.01404476},
		},
		expAvg:   [6]float32{-0.405504823, -5.57779408, 2.60300732, -0.0962306112, -1.18055558, 3.27180243},
		expAvgSq: [6]float32{0.00226924289, 0.193961635, 0.0392555073, 0.000709954125, 0.00814539939, 0.0652077124},
	},
	{
		lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-6, wd: 0.1,
		params: [5][6]float32{
			{0.50999999, -1.24000001, 1.99000001, 0.11500001, -0.74000001, 3.49000001},
			{0.51999402, -1.23000145, 1.98000085, 0.105028518, -0.730001032, 3.48000121},
			{0.529977977, -1.22000527, 1.97000313, 0.0951085389, -0.720003724, 3.47000432},
			{0.539947569, -1.21001244, 1.96000731, 0.085266605, -0.7100088, 3.46001029},
			{0.549898446, -1.20002377, 1.950014, 0.0755331591, -0.700016916, 3.45001984},
		},
		expAvg:   [6]float32{-0.370047778, -2.8806653, 1.30047929, 0.257288784, -0.588360906, 1.76236868},
		expAvgSq: [6]float32{0.0404155478, 2.43068886, 0.494928777, 0.0204203147, 0.101331696, 0.909436882},
	},
}

// closeTo allows a few float32 ulps: PyTorch's kernels fuse some of the
// multiply-adds that gogan rounds separately.
func closeTo(got, want float32) bool {
	return math.Abs(float64(got-want)) <= 4e-7*math.Max(1, math.Abs(float64(want)))
}

func TestAdamMatchesPyTorch(t *testing.T) {
	for ci, c := range torchAdam {
		p := tensor.New(append([]float32(nil), quadP0...), 2, 3).SetRequiresGrad(true)
		opt := nn.NewAdam([]nn.Param{{Name: "p", T: p}}, c.lr, c.beta1, c.beta2, c.eps, c.wd)
		for step := range 5 {
			opt.ZeroGrad()
			quadLoss(p).Backward()
			opt.Step()
			for i, want := range c.params[step] {
				if !closeTo(p.Data[i], want) {
					t.Errorf("config %d step %d: p[%d] = %.9g, PyTorch %.9g", ci, step+1, i, p.Data[i], want)
				}
			}
		}
		st := opt.State().Params[0]
		if st.Step != 5 {
			t.Errorf("config %d: step count %d, want 5", ci, st.Step)
		}
		for i := range 6 {
			if !closeTo(st.ExpAvg.Data[i], c.expAvg[i]) || !closeTo(st.ExpAvgSq.Data[i], c.expAvgSq[i]) {
				t.Errorf("config %d: moments[%d] = %.9g, %.9g; PyTorch %.9g, %.9g",
					ci, i, st.ExpAvg.Data[i], st.ExpAvgSq.Data[i], c.expAvg[i], c.expAvgSq[i])
			}
		}
	}
}

// By hand: Adam's first step moves every coordinate by lr against the sign
// of its gradient (m/sqrt(v) = g/|g| after bias correction), and L2 weight
// decay adds wd*p to the gradient.
func TestAdamFirstStepByHand(t *testing.T) {
	p := tensor.New([]float32{1, -2, 3, 0.5}, 4).SetRequiresGrad(true)
	q := tensor.New([]float32{1, -2, 3, 0.5}, 4).SetRequiresGrad(true)
	opt := nn.NewAdam([]nn.Param{{Name: "p", T: p}, {Name: "q", T: q}}, 0.01, 0.9, 0.999, 1e-8, 0.5)
	p.Grad = tensor.New([]float32{0.3, 0.7, -0.4, -0.1}, 4)
	// q: gradient -0.5*q exactly cancels the decay, so q's update is 0.
	q.Grad = tensor.New([]float32{-0.5, 1, -1.5, -0.25}, 4)
	opt.Step()
	// Effective gradients for p: g + 0.5*p = {0.8, -0.3, 1.1, 0.15}.
	want := []float32{1 - 0.01, -2 + 0.01, 3 - 0.01, 0.5 - 0.01}
	for i := range want {
		if !closeTo(p.Data[i], want[i]) {
			t.Errorf("p[%d] = %.9g, want %.9g", i, p.Data[i], want[i])
		}
	}
	for i, v := range []float32{1, -2, 3, 0.5} {
		if q.Data[i] != v {
			t.Errorf("q[%d] = %v, want unchanged %v (decay cancels gradient)", i, q.Data[i], v)
		}
	}
}

func TestAdamSkipsNilGrad(t *testing.T) {
	a := tensor.Full(1, 3).SetRequiresGrad(true)
	b := tensor.Full(1, 3).SetRequiresGrad(true)
	opt := nn.NewAdam([]nn.Param{{Name: "a", T: a}, {Name: "b", T: b}}, 0.1, 0.5, 0.999, 1e-8, 0.1)
	a.Grad = tensor.Full(1, 3)
	opt.Step()
	if b.Data[0] != 1 || a.Data[0] == 1 {
		t.Fatalf("a = %v, b = %v: want a stepped, b untouched", a, b)
	}
	st := opt.State()
	if st.Params[0].Step != 1 || st.Params[1].Step != 0 || st.Params[1].ExpAvg.Data[0] != 0 {
		t.Errorf("steps %d, %d: want 1 and 0", st.Params[0].Step, st.Params[1].Step)
	}
	opt.ZeroGrad()
	if a.Grad != nil {
		t.Error("ZeroGrad left a gradient")
	}
}

// mlp is a small model for resume tests: its parameters are named and its
// loss depends on all of them.
func newMLP(seed uint64) *nn.Sequential {
	rng := rand.New(rand.NewPCG(seed, 0))
	return nn.NewSequential(nn.NewLinear(4, 8, true, rng), nn.NewTanh(), nn.NewLinear(8, 2, true, rng))
}

func trainSteps(m nn.Module, opt *nn.Adam, x, y *tensor.Tensor, from, to int) {
	for step := from; step < to; step++ {
		opt.ZeroGrad()
		// A rotating batch row makes each step's gradient different.
		xs := tensor.Narrow(x, 0, step%3, 4)
		ys := tensor.Narrow(y, 0, step%3, 4)
		tensor.Sum(tensor.Square(tensor.Sub(m.Forward(xs), ys))).Backward()
		opt.Step()
	}
}

func TestAdamResumeExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(40, 1))
	x := tensor.Randn(rng, 0, 1, 6, 4)
	y := tensor.Randn(rng, 0, 1, 6, 2)
	newOpt := func(m nn.Module) *nn.Adam { return nn.NewAdam(m.Params(), 2e-3, 0.5, 0.999, 1e-8, 1e-3) }

	ref := newMLP(1)
	refOpt := newOpt(ref)
	trainSteps(ref, refOpt, x, y, 0, 5)

	// Three steps, then save model and optimiser as a checkpoint would.
	first := newMLP(1)
	firstOpt := newOpt(first)
	trainSteps(first, firstOpt, x, y, 0, 3)
	var modelBuf, optBuf bytes.Buffer
	if err := nn.WriteTensors(&modelBuf, nn.StateDict(first)); err != nil {
		t.Fatal(err)
	}
	if err := nn.WriteAdamState(&optBuf, firstOpt.State()); err != nil {
		t.Fatal(err)
	}

	// Restore into a differently initialised model and an optimiser with
	// other hyperparameters: LoadState must bring all of it back.
	second := newMLP(99)
	ps, err := nn.ReadTensors(&modelBuf)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadStateDict(second, ps); err != nil {
		t.Fatal(err)
	}
	secondOpt := nn.NewAdam(second.Params(), 1, 0.9, 0.9, 1, 0)
	st, err := nn.ReadAdamState(&optBuf)
	if err != nil {
		t.Fatal(err)
	}
	if err := secondOpt.LoadState(st); err != nil {
		t.Fatal(err)
	}
	trainSteps(second, secondOpt, x, y, 3, 5)

	want, got := nn.StateDict(ref), nn.StateDict(second)
	for i := range want {
		for j := range want[i].T.Data {
			if math.Float32bits(got[i].T.Data[j]) != math.Float32bits(want[i].T.Data[j]) {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", want[i].Name, j, got[i].T.Data[j], want[i].T.Data[j])
			}
		}
	}
	ws, gs := refOpt.State(), secondOpt.State()
	if ws.LR != gs.LR || ws.Beta1 != gs.Beta1 || ws.Beta2 != gs.Beta2 || ws.Eps != gs.Eps || ws.WeightDecay != gs.WeightDecay {
		t.Errorf("hyperparameters not restored: %+v vs %+v", gs, ws)
	}
	for i := range ws.Params {
		w, g := ws.Params[i], gs.Params[i]
		if w.Step != g.Step {
			t.Errorf("%s: step %d, want %d", w.Name, g.Step, w.Step)
		}
		for j := range w.ExpAvg.Data {
			if math.Float32bits(w.ExpAvg.Data[j]) != math.Float32bits(g.ExpAvg.Data[j]) ||
				math.Float32bits(w.ExpAvgSq.Data[j]) != math.Float32bits(g.ExpAvgSq.Data[j]) {
				t.Fatalf("%s moments differ at %d", w.Name, j)
			}
		}
	}
}

func TestAdamLoadStateMismatch(t *testing.T) {
	m := newMLP(1)
	opt := nn.NewAdam(m.Params(), 1e-3, 0.5, 0.999, 1e-8, 0)
	good := opt.State()
	other := nn.NewAdam(nn.NewSequential(nn.NewLinear(4, 3, true, rand.New(rand.NewPCG(1, 1)))).Params(), 1e-3, 0.5, 0.999, 1e-8, 0)

	renamed := opt.State()
	renamed.Params[1].Name = "0.bias_renamed"
	dup := opt.State()
	dup.Params = append(dup.Params, dup.Params[0])
	extra := opt.State()
	extra.Params = append(extra.Params, nn.AdamParamState{Name: "9.weight", ExpAvg: tensor.Zeros(1), ExpAvgSq: tensor.Zeros(1)})
	badShape := opt.State()
	badShape.Params[0].ExpAvgSq = tensor.Zeros(8, 5)
	negative := opt.State()
	negative.Params[2].Step = -1
	for want, s := range map[string]nn.AdamState{
		`no entry for parameter "0.bias"`:                             renamed,
		`appears twice`:                                               dup,
		`"9.weight" that the optimiser does not`:                      extra,
		`"0.weight": exp_avg_sq has shape [8 5], parameter has [8 4]`: badShape,
		`negative step`:                                               negative,
		`"0.weight": exp_avg has shape [3 4]`:                         other.State(),
	} {
		s.LR = 123
		err := opt.LoadState(s)
		if err == nil || !strings.HasPrefix(err.Error(), "nn: Adam.LoadState: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadState: error %v, want one containing %q", err, want)
		}
		if opt.LR != 1e-3 {
			t.Fatalf("failed LoadState changed the optimiser (lr %v)", opt.LR)
		}
	}
	if err := opt.LoadState(good); err != nil {
		t.Fatal(err)
	}
}

func TestAdamStateCorrupt(t *testing.T) {
	m := newMLP(2)
	opt := nn.NewAdam(m.Params(), 1e-3, 0.5, 0.999, 1e-8, 0)
	rng := rand.New(rand.NewPCG(40, 2))
	trainSteps(m, opt, tensor.Randn(rng, 0, 1, 6, 4), tensor.Randn(rng, 0, 1, 6, 2), 0, 2)
	var buf bytes.Buffer
	if err := nn.WriteAdamState(&buf, opt.State()); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for _, n := range []int{0, 3, 7, 20, 60, len(data) / 2, len(data) - 1} {
		if _, err := nn.ReadAdamState(bytes.NewReader(data[:n])); err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("truncated to %d bytes: error %v", n, err)
		}
	}
	for _, i := range []int{0, 5, 12, 50, len(data) / 2, len(data) - 2} {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x10
		if _, err := nn.ReadAdamState(bytes.NewReader(bad)); err == nil || !strings.HasPrefix(err.Error(), "nn: ReadAdamState: ") {
			t.Errorf("byte %d flipped: error %v", i, err)
		}
	}
	// A tensor file is not an Adam state.
	var tb bytes.Buffer
	if err := nn.WriteTensors(&tb, m.Params()); err != nil {
		t.Fatal(err)
	}
	if _, err := nn.ReadAdamState(&tb); err == nil || !strings.Contains(err.Error(), "bad magic") {
		t.Errorf("tensor file read as Adam state: error %v", err)
	}
}

// Large tensors are updated on several goroutines; the split must not
// change a single bit.
func TestAdamThreadsIdentical(t *testing.T) {
	defer tensor.SetThreads(tensor.Threads())
	run := func(threads int) []float32 {
		tensor.SetThreads(threads)
		rng := rand.New(rand.NewPCG(41, 1))
		p := tensor.Randn(rng, 0, 1, 100003).SetRequiresGrad(true)
		opt := nn.NewAdam([]nn.Param{{Name: "p", T: p}}, 1e-3, 0.5, 0.999, 1e-8, 0.01)
		for range 3 {
			p.Grad = tensor.Randn(rng, 0, 1, 100003)
			opt.Step()
		}
		return p.Data
	}
	a, b := run(1), run(3)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("p[%d]: %v with 1 thread, %v with 3", i, a[i], b[i])
		}
	}
}

// The update splits all parameters' elements over the threads as one range:
// chunk edges fall inside parameters, small ones share a chunk, and each
// keeps its own step count (a parameter without a gradient skips a step).
// Every bit must match Adam computed element by element here, with the
// float32 roundings of adamUpdate (whose formula TestAdamMatchesPyTorch
// holds against PyTorch).
func TestAdamManyParamsIdentical(t *testing.T) {
	defer tensor.SetThreads(tensor.Threads())
	const lr, b1, b2, eps, wd = 1e-3, 0.5, 0.999, 1e-8, 0.01
	sizes := []int{5, 70001, 1, 33000, 64, 40000, 3}
	for _, threads := range []int{1, 2, 3} {
		tensor.SetThreads(threads)
		rng := rand.New(rand.NewPCG(43, 2))
		var ps []nn.Param
		want := make([][]float32, len(sizes))
		m, v := make([][]float32, len(sizes)), make([][]float32, len(sizes))
		steps := make([]int, len(sizes))
		for i, n := range sizes {
			p := tensor.Randn(rng, 0, 1, n).SetRequiresGrad(true)
			ps = append(ps, nn.Param{Name: string(rune('a' + i)), T: p})
			want[i] = append([]float32(nil), p.Data...)
			m[i], v[i] = make([]float32, n), make([]float32, n)
		}
		opt := nn.NewAdam(ps, lr, b1, b2, eps, wd)
		for step := range 4 {
			for i, p := range ps {
				p.T.Grad = tensor.Randn(rng, 0, 1, sizes[i])
				if (i+step)%3 == 0 {
					p.T.Grad = nil
					continue
				}
				steps[i]++
				tt := float64(steps[i])
				negStep := float32(-(lr / (1 - math.Pow(b1, tt))))
				bc2Sqrt := float32(math.Sqrt(1 - math.Pow(b2, tt)))
				for j, g := range p.T.Grad.Data {
					x := want[i][j]
					g = g + float32(float32(wd)*x)
					mi := float32(float32(b1)*m[i][j]) + float32(float32(1-b1)*g)
					vi := float32(float32(b2)*v[i][j]) + float32(float32(float32(1-b2)*g)*g)
					denom := float32(float32(math.Sqrt(float64(vi)))/bc2Sqrt) + float32(eps)
					want[i][j] = x + float32(float32(negStep*mi)/denom)
					m[i][j], v[i][j] = mi, vi
				}
			}
			opt.Step()
			for i, p := range ps {
				for j, got := range p.T.Data {
					if math.Float32bits(got) != math.Float32bits(want[i][j]) {
						t.Fatalf("threads %d, step %d: param %d [%d] = %v, want %v", threads, step, i, j, got, want[i][j])
					}
				}
			}
		}
	}
}

// FuzzReadAdamState: arbitrary input gives a state or an nn: error, never a
// panic.
func FuzzReadAdamState(f *testing.F) {
	m := newMLP(3)
	opt := nn.NewAdam(m.Params(), 1e-3, 0.5, 0.999, 1e-8, 0)
	var buf bytes.Buffer
	if err := nn.WriteAdamState(&buf, opt.State()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := nn.ReadAdamState(bytes.NewReader(data))
		if err != nil && !strings.HasPrefix(err.Error(), "nn: ReadAdamState: ") {
			t.Fatalf("error without prefix: %v", err)
		}
		if err == nil {
			var again bytes.Buffer
			if err := nn.WriteAdamState(&again, s); err != nil || !bytes.Equal(again.Bytes(), data[:again.Len()]) {
				t.Fatalf("accepted input does not re-encode to itself: %v", err)
			}
		}
	})
}
