// Tests of scripts/peer_dcgan.py, the PyTorch peer of make bench and make
// bench-quality: its quality mode must train what gogan's recipes train, so
// that "the peer running the same recipe" is the same recipe. They run the
// script with a python that has torch and skip, saying so, without one
// (internal/testenv.Python; make setup-peer installs it).
package scripts_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/npy"
	"github.com/gogan/gan/internal/testenv"
	"github.com/gogan/gan/train"
	"github.com/gogan/gan/train/tensor"
)

// peerSettings is what peer_dcgan.py resolves a quality run's flags to
// (resolve_recipe), by its flags' names.
type peerSettings struct {
	Recipe       string  `json:"recipe"`
	Loss         string  `json:"loss"`
	LrG          float64 `json:"lr_g"`
	LrD          float64 `json:"lr_d"`
	Beta1        float64 `json:"beta1"`
	Beta2        float64 `json:"beta2"`
	EMA          float64 `json:"ema"`
	EMAWarmup    bool    `json:"ema_warmup"`
	SpectralNorm bool    `json:"spectral_norm"`
	Batch        int     `json:"batch"`
}

// peer runs python code with peer_dcgan imported as p and returns its
// standard output.
func peer(t *testing.T, py, code string, args ...string) string {
	t.Helper()
	prog := "import sys, json\nsys.path.insert(0, '.')\nimport peer_dcgan as p\nimport torch\n" + code
	cmd := exec.Command(py, append([]string{"-c", prog}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// resolve returns the peer's settings for each list of quality flags, in
// one python run (torch takes seconds to import).
func resolve(t *testing.T, py string, flagLists ...[]string) []peerSettings {
	t.Helper()
	arg, _ := json.Marshal(flagLists)
	out := peer(t, py, `for flags in json.loads(sys.argv[1]):
    a = p.resolve_recipe(p.parser().parse_args(["--mode", "quality"] + flags))
    print(json.dumps({k: getattr(a, k) for k in ["recipe", "batch"] + list(p.RECIPES["classic"])}))`, string(arg))
	var all []peerSettings
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s peerSettings
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("peer settings %q: %v", line, err)
		}
		all = append(all, s)
	}
	if len(all) != len(flagLists) {
		t.Fatalf("peer settings for %d flag lists: %q", len(flagLists), out)
	}
	return all
}

// Every gogan recipe has a peer recipe of the same name that sets what it
// sets; the settings the peer does not implement must stay off in gogan's
// recipes. An explicit flag overrides the recipe, as in gan-train.
func TestPeerRecipesMatchGogan(t *testing.T) {
	py := testenv.Python(t, "torch", "numpy")
	var lists [][]string
	for _, name := range train.Recipes {
		lists = append(lists, []string{"--recipe", name})
	}
	lists = append(lists, []string{"--recipe", "modern", "--ema", "0", "--loss", "lsgan", "--spectral-norm", "--lr-d", "4e-4", "--batch", "32"})
	got := resolve(t, py, lists...)
	for i, name := range train.Recipes {
		c, err := train.DefaultConfig().WithRecipe(name)
		if err != nil {
			t.Fatal(err)
		}
		want := peerSettings{Recipe: name, Loss: string(c.Loss), LrG: c.LrG, LrD: c.LrD, Beta1: c.Beta1, Beta2: c.Beta2,
			EMA: c.EMA, EMAWarmup: c.EMAWarmup, SpectralNorm: c.Model.SpectralNorm, Batch: c.BatchSize}
		if got[i] != want {
			t.Errorf("peer --recipe %s: %+v\ngogan's recipe:   %+v", name, got[i], want)
		}
		if c.Model.Kind != "dcgan" || c.DSteps != 1 || c.R1 != 0 || c.GPWeight != 0 || c.Smooth != 0 || c.Augment != "" {
			t.Errorf("gogan's recipe %s uses a setting the peer lacks (model %s, d-steps %d, r1 %g, gp %g, smoothing %g, augment %q): teach peer_dcgan.py",
				name, c.Model.Kind, c.DSteps, c.R1, c.GPWeight, c.Smooth, c.Augment)
		}
	}
	o := got[len(got)-1]
	if o.EMA != 0 || o.Loss != "lsgan" || !o.SpectralNorm || o.LrD != 4e-4 || o.Batch != 32 || o.LrG != 8e-4 || !o.EMAWarmup {
		t.Errorf("explicit flags over --recipe modern: %+v", o)
	}
}

// The peer's losses are gogan's (train/loss.go), value for value.
func TestPeerLossesMatchGogan(t *testing.T) {
	py := testenv.Python(t, "torch", "numpy")
	reals := []float32{2.5, -0.3, 0.9, -1.7, 0.1}
	fake := []float32{-2, 0.4, 1.3, -0.6, 3.1}
	list := func(v []float32) string { return strings.Trim(fmt.Sprint(v), "[]") }
	losses := []train.Loss{train.NonSaturating, train.Minimax, train.LSGAN, train.Hinge}
	var names []string
	for _, l := range losses {
		names = append(names, string(l))
	}
	out := peer(t, py, `r = torch.tensor([float(x) for x in sys.argv[2].split()]).view(-1, 1)
f = torch.tensor([float(x) for x in sys.argv[3].split()]).view(-1, 1)
for l in sys.argv[1].split():
    print(float(p.d_loss(l, r, f)), float(p.g_loss(l, f)))`, strings.Join(names, " "), list(reals), list(fake))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(losses) {
		t.Fatalf("peer losses: %q", out)
	}
	for i, l := range losses {
		var d, g float64
		if _, err := fmt.Sscan(lines[i], &d, &g); err != nil {
			t.Fatalf("%s: %q: %v", l, lines[i], err)
		}
		r, f := tensor.New(slices.Clone(reals), len(reals), 1), tensor.New(slices.Clone(fake), len(fake), 1)
		wantD, wantG := float64(l.DLoss(r, f, 1).Item()), float64(l.GLoss(f).Item())
		if math.Abs(d-wantD) > 1e-5*math.Abs(wantD) || math.Abs(g-wantG) > 1e-5*math.Abs(wantG) {
			t.Errorf("%s: peer D loss %g, G loss %g; gogan %g, %g", l, d, g, wantD, wantG)
		}
	}
}

// The moving average follows gogan's: the warm-up decay of emaDecay
// (train/model.go), and every weight and BatchNorm statistic averaged, not
// copied, in a generator that stays in eval mode without gradients.
func TestPeerEMAMatchesGogan(t *testing.T) {
	py := testenv.Python(t, "torch", "numpy")
	steps := []int{0, 1, 80, 890, 5000}
	out := peer(t, py, `print(*[p.ema_decay(0.99, True, s) for s in (0, 1, 80, 890, 5000)], p.ema_decay(0.999, False, 0))
G = p.Generator()
E = p.new_ema(G)
assert not E.training and not any(q.requires_grad for q in E.parameters()), "the average trains"
with torch.no_grad():
    for t in G.state_dict().values():
        t.fill_(1) if t.is_floating_point() else t.fill_(7)
    for t in E.state_dict().values():
        t.fill_(0)
p.ema_update(E, G, 0.25)
bad = [k for k, t in E.state_dict().items() if not torch.all(t == (0.75 if t.is_floating_point() else 7))]
print("bad:", *bad)`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("peer output %q", out)
	}
	var want []string
	for _, s := range steps {
		want = append(want, fmt.Sprint(float64(float32(math.Min(0.99, float64(1+s)/float64(10+s))))))
	}
	want = append(want, fmt.Sprint(float64(float32(0.999))))
	got := strings.Fields(lines[0])
	if len(got) != len(want) {
		t.Fatalf("decays %q, want %q", got, want)
	}
	for i := range want {
		var g, w float64
		fmt.Sscan(got[i], &g)
		fmt.Sscan(want[i], &w)
		if g != w {
			t.Errorf("decay %d: peer %v, gogan %v", i, got[i], want[i])
		}
	}
	if lines[1] != "bad:" {
		t.Errorf("after ema_update(E, G, 0.25) with E 0 and G 1, these are not 0.75 (or G's count): %s", lines[1])
	}
}

// --mode quality --recipe modern trains a few steps and writes a snapshot
// that gan-eval --npy reads, sampled from the moving average: the same run
// without it samples other images.
func TestPeerQualityModern(t *testing.T) {
	py := testenv.Python(t, "torch", "numpy")
	mnist, err := filepath.Abs(filepath.Join("..", "data", "mnist"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(mnist, "train-images-idx3-ubyte.gz"))
	testenv.Data(t, err)
	const n = 8
	run := func(extra ...string) (dir string, x []float32) {
		dir = t.TempDir()
		args := append([]string{"peer_dcgan.py", "--mode", "quality", "--recipe", "modern", "--minutes", "5", "--steps", "3",
			"--snapshots", "0.0001", "--n", fmt.Sprint(n), "--threads", "1", "--data", mnist, "--out", dir}, extra...)
		if out, err := exec.Command(py, args...).CombinedOutput(); err != nil {
			t.Fatalf("peer_dcgan.py %s: %v\n%s", strings.Join(args[1:], " "), err, out)
		}
		f, err := os.Open(filepath.Join(dir, "0.0001m.npy"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		shape, x, err := npy.Read(f)
		if err != nil || !slices.Equal(shape, []int{n, 1, 28, 28}) {
			t.Fatalf("snapshot: shape %v, %v; want [%d 1 28 28]", shape, err, n)
		}
		for _, v := range x {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("snapshot value %g outside [-1, 1]", v)
			}
		}
		return dir, x
	}
	dir, withEMA := run()
	csv, err := os.ReadFile(filepath.Join(dir, "snapshots.csv"))
	if err != nil || !strings.HasPrefix(string(csv), "label,step,elapsed_s\n0.0001m,1,") {
		t.Errorf("snapshots.csv: %q, %v", csv, err)
	}
	var s peerSettings
	if b, err := os.ReadFile(filepath.Join(dir, "config.json")); err != nil || json.Unmarshal(b, &s) != nil || s.Recipe != "modern" || s.EMA != 0.99 {
		t.Errorf("config.json: %+v, %v", s, err)
	}
	if _, plain := run("--ema", "0"); slices.Equal(withEMA, plain) {
		t.Error("the snapshot with --ema 0.99 equals the one without: it did not sample the moving average")
	}
}
