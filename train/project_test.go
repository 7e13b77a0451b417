package train

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// smallG is a randomly initialised 8x8 gray MLP generator with z of 8.
func smallG(t *testing.T, classes int) *models.Generator {
	t.Helper()
	g, err := models.NewGenerator(models.Spec{Kind: "mlp", ZDim: 8, Size: 8, Channels: 1, Classes: classes}, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func generate(g Generator, z *tensor.Tensor, labels []int) *tensor.Tensor {
	var x *tensor.Tensor
	tensor.NoGrad(func() { x = g.Generate(z, labels) })
	return x
}

// Projecting x = G(z*) finds a latent whose image matches x far better
// than a random latent's, repeatably, without touching G's weights.
func TestProjectRecoversLatent(t *testing.T) {
	tensor.SetThreads(1)
	g := smallG(t, 0)
	zStar := tensor.Randn(rand.New(rand.NewPCG(5, 6)), 0, 1, 4, 8)
	target := generate(g, zStar, nil)
	before := nn.StateDict(g)
	weights := make([][]float32, len(before))
	for i, p := range before {
		weights[i] = slices.Clone(p.T.Data)
	}
	opt := ProjectOptions{Steps: 120, LR: 0.1, Restarts: 2, Seed: 7}
	p, err := Project(g, 8, target, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Z.Shape(); !slices.Equal(got, []int{4, 8}) {
		t.Fatalf("Z shape %v, want [4 8]", got)
	}
	if !slices.Equal(p.Recon.Shape(), target.Shape()) {
		t.Fatalf("Recon shape %v, want %v", p.Recon.Shape(), target.Shape())
	}
	t.Logf("pixel MAE %.3f, from a random latent %.3f", p.MeanMAE(), p.MeanStartMAE())
	if p.MeanMAE() > 1 || p.MeanMAE() > p.MeanStartMAE()/10 {
		t.Errorf("projection MAE %.3f (random latent %.3f); want under 1 level and a tenth of the random one", p.MeanMAE(), p.MeanStartMAE())
	}
	// The reported reconstruction is G of the reported latent.
	again := generate(g, p.Z, nil)
	for i, v := range again.Data {
		if !approx.Near(float64(v), float64(p.Recon.Data[i]), 1e-6) {
			t.Fatalf("Recon[%d] = %v but G(Z) gives %v", i, p.Recon.Data[i], v)
		}
	}
	for i, pr := range nn.StateDict(g) {
		if !slices.Equal(pr.T.Data, weights[i]) {
			t.Fatalf("projection changed G's %s", pr.Name)
		}
	}
	for _, pr := range g.Params() {
		if !pr.T.RequiresGrad() || pr.T.Grad != nil {
			t.Fatalf("%s: requires grad %v, grad %v after projection; want the flag restored and no gradient", pr.Name, pr.T.RequiresGrad(), pr.T.Grad != nil)
		}
	}
	q, err := Project(g, 8, target, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Z.Data, q.Z.Data) {
		t.Error("the same seed gave different latents")
	}
	opt.Seed = 8
	if r, _ := Project(g, 8, target, opt); slices.Equal(p.Z.Data, r.Z.Data) {
		t.Error("another seed gave the same latents")
	}
}

// On the sphere every latent keeps norm sqrt(ZDim), and the L1 loss and a
// conditional generator work too.
func TestProjectSphereL1Conditional(t *testing.T) {
	tensor.SetThreads(1)
	g := smallG(t, 3)
	labels := []int{2, 0, 1}
	zStar := tensor.Randn(rand.New(rand.NewPCG(9, 9)), 0, 1, 3, 8)
	toSphere(zStar)
	target := generate(g, zStar, labels)
	p, err := Project(g, 8, target, ProjectOptions{Steps: 150, LR: 0.1, Loss: "l1", Restarts: 2, Sphere: true, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s := 0.0
		for _, v := range p.Z.Data[i*8 : (i+1)*8] {
			s += float64(v) * float64(v)
		}
		if !approx.Near(math.Sqrt(s), math.Sqrt(8), 1e-4) {
			t.Errorf("latent %d has norm %.5f, want sqrt(8)", i, math.Sqrt(s))
		}
	}
	t.Logf("pixel MAE %.3f, from a random latent %.3f", p.MeanMAE(), p.MeanStartMAE())
	if p.MeanMAE() > p.MeanStartMAE()/4 {
		t.Errorf("projection MAE %.3f (random latent %.3f); want under a quarter of the random one", p.MeanMAE(), p.MeanStartMAE())
	}
	if _, err := Project(g, 8, target, ProjectOptions{Steps: 1, Labels: labels[:2]}); err == nil || !strings.Contains(err.Error(), "2 labels for 3 images") {
		t.Errorf("mismatched labels: %v", err)
	}
}

// The feature term pulls the reconstruction's features to the target's;
// the options are checked before any work.
func TestProjectFeaturesAndOptions(t *testing.T) {
	tensor.SetThreads(1)
	g := smallG(t, 0)
	target := generate(g, tensor.Randn(rand.New(rand.NewPCG(1, 2)), 0, 1, 2, 8), nil)
	net, err := models.NewLeNet(1, 8, 8, 10, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range net.Params() {
		p.T.SetRequiresGrad(false)
	}
	p, err := Project(g, 8, target, ProjectOptions{Steps: 100, LR: 0.1, Restarts: 1, FeatureWeight: 1, Features: net})
	if err != nil {
		t.Fatal(err)
	}
	if p.MeanMAE() > p.MeanStartMAE()/4 {
		t.Errorf("with the feature term: MAE %.3f from %.3f", p.MeanMAE(), p.MeanStartMAE())
	}
	wrong, _ := models.NewLeNet(1, 12, 12, 10, rand.New(rand.NewPCG(2, 2)))
	bad := []struct {
		opt  ProjectOptions
		want string
	}{
		{ProjectOptions{Loss: "l3"}, `loss "l3"`},
		{ProjectOptions{Steps: -1}, "-1 steps"},
		{ProjectOptions{Restarts: -2}, "-2 restarts"},
		{ProjectOptions{LR: math.NaN()}, "learning rate"},
		{ProjectOptions{FeatureWeight: 1}, "needs a feature network"},
		{ProjectOptions{FeatureWeight: 1, Features: wrong}, "takes (1,12,12) images"},
	}
	for _, b := range bad {
		if _, err := Project(g, 8, target, b.opt); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", b.opt, err, b.want)
		}
	}
	if _, err := Project(g, 8, tensor.Zeros(8, 8), ProjectOptions{}); err == nil {
		t.Error("a rank-2 target was accepted")
	}
}

// A latent file written by WriteNpy reads back exactly, through ReadNpy
// and ReadLatents, and malformed files are refused with a reason.
func TestNpyRoundTrip(t *testing.T) {
	z := tensor.Randn(rand.New(rand.NewPCG(1, 1)), 0, 1, 3, 5)
	var buf bytes.Buffer
	if err := WriteNpy(&buf, z); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if hl := int(b[8]) | int(b[9])<<8; (10+hl)%64 != 0 || b[10+hl-1] != '\n' {
		t.Errorf("header length %d: the data does not start on a 64-byte boundary after a newline", hl)
	}
	got, err := ReadNpy(bytes.NewReader(b))
	if err != nil || !slices.Equal(got.Shape(), []int{3, 5}) || !slices.Equal(got.Data, z.Data) {
		t.Fatalf("read back %v, %v; want the written (3, 5) array", got, err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "z.npy")
	if err := WriteNpyFile(path, z); err != nil {
		t.Fatal(err)
	}
	if l, err := ReadLatents(path, 5); err != nil || !slices.Equal(l.Data, z.Data) {
		t.Fatalf("ReadLatents: %v", err)
	}
	if _, err := ReadLatents(path, 100); err == nil || !strings.Contains(err.Error(), "want (N, 100)") {
		t.Errorf("wrong z_dim: %v", err)
	}
	vec := filepath.Join(dir, "v.npy")
	WriteNpyFile(vec, tensor.New([]float32{1, 2, 3}, 3))
	if l, err := ReadLatents(vec, 3); err != nil || !slices.Equal(l.Shape(), []int{1, 3}) {
		t.Errorf("a (3,) vector: %v, %v; want one (1, 3) row", l, err)
	}
	// float64, as numpy.save writes by default, is rounded to float32.
	f8 := "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
	f8 += strings.Repeat(" ", 128-10-len(f8)-1) + "\n"
	raw := append([]byte("\x93NUMPY\x01\x00"), byte(len(f8)), 0)
	raw = append(append(raw, f8...), 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0xc0)
	if a, err := ReadNpy(bytes.NewReader(raw)); err != nil || !slices.Equal(a.Data, []float32{1.5, -2}) {
		t.Errorf("<f8: %v, %v; want [1.5 -2]", a, err)
	}
	bad := map[string][]byte{
		"bad magic":      []byte("PK\x03\x04 not npy at all"),
		"truncated":      b[:len(b)-3],
		"Fortran":        bytes.Replace(b, []byte("False"), []byte("True "), 1),
		"dtype <i8":      bytes.Replace(b, []byte("<f4"), []byte("<i8"), 1),
		"unreadable":     bytes.Replace(b, []byte("'shape'"), []byte("'shope'"), 1),
		"version 9.0":    append([]byte("\x93NUMPY\x09\x00"), b[8:]...),
		"truncated head": b[:20],
	}
	for name, data := range bad {
		if _, err := ReadNpy(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	os.WriteFile(filepath.Join(dir, "nan.npy"), nil, 0o644)
	nan := tensor.New([]float32{float32(math.NaN()), 0}, 1, 2)
	WriteNpyFile(filepath.Join(dir, "nan.npy"), nan)
	if _, err := ReadLatents(filepath.Join(dir, "nan.npy"), 2); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN latents: %v", err)
	}
	if _, err := ReadLatents(filepath.Join(dir, "missing.npy"), 2); err == nil {
		t.Error("a missing file was read")
	}
}

// The direction is the difference of the class means; ClassImages takes
// only the asked class, repeatably.
func TestDirectionAndClassImages(t *testing.T) {
	from := tensor.New([]float32{1, 0, 3, 2}, 2, 2) // mean (2, 1)
	to := tensor.New([]float32{5, 5}, 1, 2)
	if d := Direction(from, to); !slices.Equal(d.Shape(), []int{1, 2}) || !slices.Equal(d.Data, []float32{3, 4}) {
		t.Errorf("Direction = %v %v, want (1,2) [3 4]", d.Shape(), d.Data)
	}
	pix := make([]uint8, 10)
	labels := make([]int, 10)
	for i := range pix {
		pix[i], labels[i] = uint8(i), i%3
	}
	ds := data.NewImages("toy", 1, 1, 1, pix, labels, []string{"a", "b", "c"})
	got, err := ClassImages(ds, 1, 2, 5)
	if err != nil || got.Dim(0) != 2 {
		t.Fatalf("ClassImages: %v, %v", got, err)
	}
	for _, v := range got.Data {
		if k := int(math.Round(float64((v+1)*127.5))) % 3; k != 1 {
			t.Errorf("ClassImages(class 1) returned pixel %v of class %d", v, k)
		}
	}
	again, _ := ClassImages(ds, 1, 2, 5)
	if !slices.Equal(got.Data, again.Data) {
		t.Error("ClassImages is not repeatable")
	}
	if all, _ := ClassImages(ds, 0, 100, 5); all.Dim(0) != 4 {
		t.Errorf("asking for more than there are: %d images, want the 4 of class a", all.Dim(0))
	}
	if _, err := ClassImages(ds, 3, 1, 5); err == nil {
		t.Error("class 3 of 3 was accepted")
	}
	if _, err := ClassImages(data.NewImages("u", 1, 1, 1, pix, nil, nil), 0, 1, 5); err == nil || !strings.Contains(err.Error(), "no class labels") {
		t.Errorf("unlabelled data: %v", err)
	}
	names := []string{"0", "1", "cat"}
	for s, want := range map[string]int{"1": 1, "cat": 2, "2": 2} {
		if k, err := ClassIndex(names, s); err != nil || k != want {
			t.Errorf("ClassIndex(%q) = %d, %v; want %d", s, k, err, want)
		}
	}
	for _, s := range []string{"3", "-1", "dog", "01"} {
		if _, err := ClassIndex(names, s); err == nil {
			t.Errorf("ClassIndex(%q) accepted", s)
		}
	}
}

// A starting latent given in Init is the first restart's: projecting from
// the true latent stays there.
func TestProjectInit(t *testing.T) {
	tensor.SetThreads(1)
	g := smallG(t, 0)
	zStar := tensor.Randn(rand.New(rand.NewPCG(2, 3)), 0, 1, 2, 8)
	target := generate(g, zStar, nil)
	p, err := Project(g, 8, target, ProjectOptions{Steps: 5, LR: 1e-4, Restarts: 1, Init: zStar})
	if err != nil {
		t.Fatal(err)
	}
	if p.MeanStartMAE() > 1e-4 || p.MeanMAE() > 0.05 {
		t.Errorf("from the true latent: start MAE %g, final %g; want both about 0", p.MeanStartMAE(), p.MeanMAE())
	}
	if _, err := Project(g, 8, target, ProjectOptions{Init: tensor.Zeros(3, 8)}); err == nil || !strings.Contains(err.Error(), "want (2, 8)") {
		t.Errorf("Init of the wrong shape: %v", err)
	}
}

// Encode takes the encoder's posterior means and decodes them.
func TestEncode(t *testing.T) {
	v, err := models.NewVAE(models.Spec{Kind: "vae", ZDim: 4, Size: 28, Channels: 1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	nn.SetTraining(v.Encoder, false)
	x := tensor.Uniform(rand.New(rand.NewPCG(1, 2)), -1, 1, 3, 1, 28, 28)
	p, err := Encode(v.Encoder, v.Decoder, x, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	var mu, recon *tensor.Tensor
	tensor.NoGrad(func() {
		mu, _ = v.Encoder.Encode(x, nil)
		recon = v.Decoder.Generate(mu, nil)
	})
	if !slices.Equal(p.Z.Data, mu.Data) || !slices.Equal(p.Recon.Data, recon.Data) {
		t.Error("Encode's latents are not the posterior means, or its reconstructions not their decoding")
	}
	if len(p.MAE) != 3 || p.MAE[0] <= 0 || p.StartMAE[0] <= 0 || p.Loss[0] <= 0 {
		t.Errorf("errors %v %v %v; want three positive values each", p.MAE, p.StartMAE, p.Loss)
	}
	if _, err := Encode(v.Encoder, v.Decoder, x, []int{0, 1, 2}, 1); err == nil {
		t.Error("labels for an unconditional encoder were accepted")
	}
	if _, err := Encode(v.Encoder, v.Decoder, tensor.Zeros(1, 1, 8, 8), nil, 1); err == nil {
		t.Error("8x8 images were accepted by a 28x28 encoder")
	}
}
