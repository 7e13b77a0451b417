package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
	"github.com/gogan/gan/internal/testenv"
	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/models/onnx/onnxpb"
	"github.com/gogan/gan/models/onnx/onnxtest"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// exportSpecs are the generators every export test covers.
var exportSpecs = []Spec{
	{Kind: "mlp", ZDim: 100, Size: 28, Channels: 1},
	{Kind: "mlp", ZDim: 16, Size: 32, Channels: 3, Classes: 3},
	{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 1},
	{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 3},
	{Kind: "dcgan", ZDim: 32, Size: 32, Channels: 1},
	{Kind: "dcgan", ZDim: 32, Size: 32, Channels: 3},
	{Kind: "dcgan", ZDim: 100, Size: 64, Channels: 1},
	{Kind: "dcgan", ZDim: 100, Size: 64, Channels: 3},
	{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 1, Classes: 10},
	{Kind: "vae", ZDim: 20, Size: 28, Channels: 1},
	{Kind: "vae", ZDim: 16, Size: 32, Channels: 3, Classes: 4},
	{Kind: "resnet", ZDim: 16, Size: 28, Channels: 1, Width: 8},
	{Kind: "resnet", ZDim: 16, Size: 28, Channels: 1, Classes: 10, Width: 8},
	{Kind: "resnet", ZDim: 16, Size: 32, Channels: 3, Width: 8},
	{Kind: "resnet", ZDim: 16, Size: 32, Channels: 1, Classes: 3, Width: 6},
	{Kind: "resnet", ZDim: 16, Size: 64, Channels: 1, Width: 4},
	{Kind: "resnet", ZDim: 16, Size: 64, Channels: 3, Classes: 2, Width: 4},
}

// hasConvTranspose reports whether s's generator has transposed
// convolutions, which ExportOptions.ConvTransposeAsConv rewrites.
func hasConvTranspose(s Spec) bool { return s.Kind != "mlp" }

func specName(s Spec) string {
	n := fmt.Sprintf("%s%d_c%d", s.Kind, s.Size, s.Channels)
	if s.Classes > 0 {
		n = "cond_" + n
	}
	return n
}

// trainedLike returns a generator whose BatchNorm statistics, affine
// parameters and biases are far from their initial values, as after
// training, so that a folding mistake cannot hide behind mean 0, var 1.
func trainedLike(t *testing.T, s Spec, seed uint64) *Generator {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	g, err := NewGenerator(s, rng)
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind == "vae" {
		v, err := NewVAE(s, rng)
		if err != nil {
			t.Fatal(err)
		}
		g = v.Decoder
	}
	perturb(g, rng)
	return g
}

// perturb moves m's BatchNorm statistics and affine parameters (class-
// conditional ones included) and its convolution biases away from their
// initial values, and puts m in evaluation mode.
func perturb(g nn.Module, rng *rand.Rand) {
	nn.Walk(g, func(_ string, m nn.Module) {
		switch m := m.(type) {
		case *nn.BatchNorm:
			for i := 0; i < m.C; i++ {
				m.RunningMean.Data[i] = float32(rng.NormFloat64() * 0.5)
				m.RunningVar.Data[i] = float32(0.3 + 2*rng.Float64())
				m.Weight.Data[i] = float32(0.5 + rng.Float64())
				m.Bias.Data[i] = float32(rng.NormFloat64() * 0.3)
			}
		case *nn.CondBatchNorm:
			for i := 0; i < m.C; i++ {
				m.RunningMean.Data[i] = float32(rng.NormFloat64() * 0.5)
				m.RunningVar.Data[i] = float32(0.3 + 2*rng.Float64())
			}
			for i := range m.Weight.Data {
				m.Weight.Data[i] = float32(0.5 + rng.Float64())
				m.Bias.Data[i] = float32(rng.NormFloat64() * 0.3)
			}
		case *nn.ConvTranspose2d:
			randomBias(m.Bias, rng)
		case *nn.Conv2d:
			randomBias(m.Bias, rng)
		}
	})
	nn.SetTraining(g, false)
}

func randomBias(b *tensor.Tensor, rng *rand.Rand) {
	if b == nil {
		return
	}
	for i := range b.Data {
		b.Data[i] = float32(rng.NormFloat64() * 0.1)
	}
}

// sample draws a batch of latents and, for a conditional model, labels
// that include the first and last class.
func sample(s Spec, n int, seed uint64) (*tensor.Tensor, []int) {
	rng := rand.New(rand.NewPCG(seed, 9))
	z := tensor.Randn(rng, 0, 1, n, s.ZDim)
	if s.Classes == 0 {
		return z, nil
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i * (s.Classes - 1)) % s.Classes
	}
	labels[n-1] = s.Classes - 1
	return z, labels
}

func feeds(z *tensor.Tensor, labels []int) map[string]onnxtest.Value {
	f := map[string]onnxtest.Value{InputZ: onnxtest.Floats(z.Data, z.Shape()...)}
	if labels != nil {
		l := make([]int64, len(labels))
		for i, v := range labels {
			l[i] = int64(v)
		}
		f[InputLabel] = onnxtest.Ints(l, len(l))
	}
	return f
}

func export(t *testing.T, g *Generator, meta map[string]string, opt ExportOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := g.ExportONNXWith(&buf, meta, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func opCounts(m *onnxpb.ModelProto) map[string]int {
	c := map[string]int{}
	for _, n := range m.Graph.Node {
		c[n.GetOpType()]++
	}
	return c
}

// The exported graph, run by the reference interpreter, matches the Go
// forward pass in evaluation mode for every architecture, both ways of
// writing ConvTranspose, and a batch size the graph does not fix.
func TestExportParity(t *testing.T) {
	for i, s := range exportSpecs {
		for _, opt := range []ExportOptions{{}, {ConvTransposeAsConv: true}} {
			if opt.ConvTransposeAsConv && !hasConvTranspose(s) {
				continue
			}
			t.Run(fmt.Sprintf("%s/subpixel=%v", specName(s), opt.ConvTransposeAsConv), func(t *testing.T) {
				g := trainedLike(t, s, uint64(i))
				z, labels := sample(s, 3, uint64(i))
				var want *tensor.Tensor
				tensor.NoGrad(func() { want = g.Generate(z, labels) })
				m, err := onnx.Read(bytes.NewReader(export(t, g, nil, opt)))
				if err != nil {
					t.Fatal(err)
				}
				out, err := onnxtest.Run(m, feeds(z, labels))
				if err != nil {
					t.Fatal(err)
				}
				got := out[OutputImage]
				if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape()) {
					t.Fatalf("image shape %v, Go forward %v", got.Shape, want.Shape())
				}
				approx.Check(t, "reference interpreter against the Go forward pass", got.F, want.Data, 1e-4)
				checkOps(t, s, opt, opCounts(m))
			})
		}
	}
}

// checkOps checks the node counts of an exported generator: every
// BatchNorm that can fold does, the upsamplings take the requested form,
// and a conditional model looks its labels up.
func checkOps(t *testing.T, s Spec, opt ExportOptions, ops map[string]int) {
	t.Helper()
	var blocks, bns, gathers int
	switch s.Kind {
	case "dcgan", "vae": // a VAE exports its decoder, DCGAN's generator
		_, blocks, _ = dcganPlan(s.Size)
	case "resnet":
		// Each block's first BN reads the block input, which the shortcut
		// also reads, and the last BN follows a residual sum: neither
		// folds. Conditional BNs become two Gathers each.
		_, blocks, _, _ = resnetPlan(s.Size)
		bns = blocks + 1
		if s.Classes > 0 {
			bns, gathers = 1, 4*blocks
		}
		if ops["Resize"] != blocks || ops["Add"] != blocks+gathers/2 {
			t.Errorf("ops %v: want %d Resize and %d Add", ops, blocks, blocks+gathers/2)
		}
	}
	if ops["BatchNormalization"] != bns {
		t.Errorf("ops %v: want %d BatchNormalization, the rest folded", ops, bns)
	}
	if hasConvTranspose(s) {
		if opt.ConvTransposeAsConv && (ops["DepthToSpace"] != blocks || ops["ConvTranspose"] != 0) {
			t.Errorf("ops %v: want %d Conv+DepthToSpace pairs and no ConvTranspose", ops, blocks)
		}
		if !opt.ConvTransposeAsConv && ops["ConvTranspose"] != blocks {
			t.Errorf("ops %v: want %d ConvTranspose", ops, blocks)
		}
	}
	if s.Classes > 0 {
		gathers++ // the label embedding joined to z
	}
	if ops["Gather"] != gathers || ops["Concat"] != min(s.Classes, 1) {
		t.Errorf("ops %v for classes=%d: want %d Gather", ops, s.Classes, gathers)
	}
}

// Exporting neither changes the generator nor depends on anything but its
// weights: two exports are byte-identical and the forward pass is
// unchanged (folding works on copies).
func TestExportLeavesModelAndRepeats(t *testing.T) {
	s := Spec{Kind: "dcgan", ZDim: 8, Size: 28, Channels: 1, Classes: 2}
	g := trainedLike(t, s, 11)
	before := nn.StateDict(g)
	saved := make([][]float32, len(before))
	for i, p := range before {
		saved[i] = append([]float32(nil), p.T.Data...)
	}
	a := export(t, g, map[string]string{MetaSteps: "5"}, ExportOptions{})
	b := export(t, g, map[string]string{MetaSteps: "5"}, ExportOptions{})
	if !bytes.Equal(a, b) {
		t.Error("two exports of the same generator differ")
	}
	for i, p := range nn.StateDict(g) {
		for j, v := range p.T.Data {
			if v != saved[i][j] {
				t.Fatalf("export changed %s[%d]: %v -> %v", p.Name, j, saved[i][j], v)
			}
		}
	}
}

func TestExportMetadata(t *testing.T) {
	cond := trainedLike(t, Spec{Kind: "dcgan", ZDim: 8, Size: 28, Channels: 1, Classes: 3}, 1)
	meta := map[string]string{MetaDataset: "mnist", MetaSteps: "1200", MetaVersion: "9.9.9",
		MetaWeights: "ema", MetaClassNames: `["cat","dog","bird"]`}
	m, err := onnx.Read(bytes.NewReader(export(t, cond, meta, ExportOptions{})))
	if err != nil {
		t.Fatal(err)
	}
	got := onnx.Meta(m)
	want := map[string]string{MetaKind: "conditional-dcgan", MetaZDim: "8", MetaImageSize: "28", MetaChannels: "1",
		MetaValueRange: "[-1,1]", MetaClasses: "3", MetaClassNames: `["cat","dog","bird"]`, MetaLayout: "NCHW",
		MetaDataset: "mnist", MetaSteps: "1200", MetaVersion: "9.9.9", MetaWeights: "ema"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("metadata %v has keys beyond %v", got, want)
	}
	if m.GetProducerName() != "gogan" || m.GetProducerVersion() != "9.9.9" || m.GetIrVersion() != 8 || m.OpsetImport[0].GetVersion() != 17 {
		t.Errorf("producer %q %q, IR %d, opset %v", m.GetProducerName(), m.GetProducerVersion(), m.GetIrVersion(), m.OpsetImport)
	}
	in := m.Graph.Input
	if len(in) != 2 || in[0].GetName() != InputZ || in[1].GetName() != InputLabel ||
		in[1].Type.GetTensorType().GetElemType() != int32(onnx.Int64) ||
		in[0].Type.GetTensorType().Shape.Dim[0].GetDimParam() != "N" {
		t.Errorf("inputs %v", in)
	}

	// Without class_names a conditional model names its classes by number.
	m, err = onnx.Read(bytes.NewReader(export(t, cond, nil, ExportOptions{})))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := json.Unmarshal([]byte(onnx.Meta(m)[MetaClassNames]), &names); err != nil || strings.Join(names, ",") != "0,1,2" {
		t.Errorf("default class_names %q (%v)", onnx.Meta(m)[MetaClassNames], err)
	}

	plain := trainedLike(t, Spec{Kind: "mlp", ZDim: 4, Size: 8, Channels: 1}, 2)
	bad := []struct {
		g    *Generator
		meta map[string]string
		want string
	}{
		{cond, map[string]string{MetaClassNames: `["a","b"]`}, "JSON list of 3"},
		{cond, map[string]string{MetaClassNames: `a,b,c`}, "JSON list of 3"},
		{cond, map[string]string{MetaZDim: "100"}, "contradicts"},
		{plain, map[string]string{MetaClassNames: `["a"]`}, "unconditional"},
		{plain, map[string]string{MetaKind: "conditional-mlp"}, "contradicts"},
	}
	for _, c := range bad {
		if err := c.g.ExportONNX(&bytes.Buffer{}, c.meta); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("meta %v: error %v, want one mentioning %q", c.meta, err, c.want)
		}
	}
	// A key that repeats the model's own value is fine.
	if err := plain.ExportONNX(&bytes.Buffer{}, map[string]string{MetaKind: "mlp"}); err != nil {
		t.Error(err)
	}
}

// A BatchNorm with nothing to fold into (after an activation) is written
// as BatchNormalization; one after a plain Linear folds; Dropout vanishes.
func TestExportUnfoldableBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	s := Spec{Kind: "mlp", ZDim: 6, Size: 4, Channels: 1}
	bn1, bn2 := nn.NewBatchNorm1d(12), nn.NewBatchNorm1d(16)
	for _, b := range []*nn.BatchNorm{bn1, bn2} {
		for i := 0; i < b.C; i++ {
			b.RunningMean.Data[i], b.RunningVar.Data[i] = float32(rng.NormFloat64()), float32(0.5+rng.Float64())
			b.Weight.Data[i], b.Bias.Data[i] = float32(0.5+rng.Float64()), float32(rng.NormFloat64())
		}
	}
	g := &Generator{Spec: s}
	g.main = nn.Add(&g.Container, "main", nn.NewSequential(
		nn.NewLinear(6, 12, true, rng), nn.NewLeakyReLU(0.2), bn1, nn.NewDropout(0.5, rng),
		nn.NewLinear(12, 16, false, rng), bn2, nn.NewSigmoid(),
		nn.NewLinear(16, 16, true, rng), nn.NewTanh(), nn.NewReshape(1, 4, 4),
	))
	nn.SetTraining(g, false)
	z, _ := sample(s, 2, 4)
	var want *tensor.Tensor
	tensor.NoGrad(func() { want = g.Generate(z, nil) })
	m, err := onnx.Read(bytes.NewReader(export(t, g, nil, ExportOptions{})))
	if err != nil {
		t.Fatal(err)
	}
	if ops := opCounts(m); ops["BatchNormalization"] != 1 || ops["Gemm"] != 3 {
		t.Errorf("ops %v: want the first BatchNorm kept and the second folded", ops)
	}
	out, err := onnxtest.Run(m, feeds(z, nil))
	if err != nil {
		t.Fatal(err)
	}
	approx.Check(t, "image", out[OutputImage].F, want.Data, 1e-5)
}

func TestExportUnsupportedModule(t *testing.T) {
	g := &Generator{Spec: Spec{Kind: "mlp", ZDim: 4, Size: 2, Channels: 1}}
	g.main = nn.Add(&g.Container, "main", nn.NewSequential(nn.NewLinear(4, 16, true, rand.New(rand.NewPCG(1, 1))), nn.NewMaxPool2d(2, 2, 0)))
	err := g.ExportONNX(&bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "main.1") || !strings.Contains(err.Error(), "MaxPool2d") {
		t.Errorf("error %v, want one naming main.1 (*nn.MaxPool2d)", err)
	}
}

// Every exported architecture passes onnx.checker.check_model with
// full_check (strict shape inference), which infers the declared output.
func TestExportChecker(t *testing.T) {
	ok, why := onnxtest.HaveChecker()
	testenv.Checker(t, ok, why)
	dir := t.TempDir()
	var paths []string
	want := map[string]string{}
	for i, s := range exportSpecs {
		for _, opt := range []ExportOptions{{}, {ConvTransposeAsConv: true}} {
			if opt.ConvTransposeAsConv && !hasConvTranspose(s) {
				continue
			}
			p := filepath.Join(dir, fmt.Sprintf("%s_%v.onnx", specName(s), opt.ConvTransposeAsConv))
			meta := map[string]string{MetaDataset: "test", MetaSteps: "1", MetaVersion: "0.0.0"}
			if err := os.WriteFile(p, export(t, trainedLike(t, s, uint64(i)), meta, opt), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
			want[p] = fmt.Sprintf("image N,%d,%d,%d", s.Channels, s.Size, s.Size)
		}
	}
	got := onnxtest.Check(t, paths...)
	for _, p := range paths {
		if len(got[p]) != 1 || got[p][0] != want[p] {
			t.Errorf("%s: inferred outputs %q, want %q", filepath.Base(p), got[p], want[p])
		}
	}
}
