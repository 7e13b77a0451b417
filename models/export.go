package models

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strconv"

	"github.com/gogan/gan/models/onnx"
	"github.com/gogan/gan/models/onnx/onnxpb"
)

// Metadata keys of an exported generator (metadata_props). Export sets
// those that follow from the Spec; the caller supplies the rest through
// the meta argument.
const (
	MetaKind       = "kind"        // "dcgan", "mlp", "resnet", or "conditional-" before one
	MetaZDim       = "z_dim"       // latent size
	MetaImageSize  = "image_size"  // side of the square output
	MetaChannels   = "channels"    // 1 or 3
	MetaValueRange = "value_range" // always "[-1,1]"
	MetaClasses    = "classes"     // number of labels (conditional models only)
	MetaClassNames = "class_names" // JSON list, label order (conditional models only)
	MetaLayout     = "layout"      // always "NCHW"
	MetaDataset    = "dataset"     // caller: what the model was trained on
	MetaSteps      = "steps"       // caller: training steps taken
	MetaVersion    = "gogan_version"
	MetaWeights    = "weights" // caller: "ema" or "raw"
)

// The graph's input and output names, which samplers look up.
const (
	InputZ      = "z"
	InputLabel  = "label"
	OutputImage = "image"
)

// ExportOptions change how the graph is written, never what it computes.
type ExportOptions struct {
	// ConvTransposeAsConv writes each stride-2 ConvTranspose(k4, p1) as a
	// 3x3 Conv to four times the channels and a DepthToSpace (sub-pixel
	// convolution), for runtimes without a fast ConvTranspose. The result
	// is the same up to float rounding. It is off by default because
	// onnxruntime 1.24's CPU provider runs DCGAN's ConvTranspose faster
	// (64px RGB, batch 64, 2 threads: 57 ms as ConvTranspose, 117 ms as
	// Conv+DepthToSpace; the Conv does 9/4 of the multiply-adds).
	ConvTransposeAsConv bool
}

// ExportONNX writes g as an ONNX model (IR 8, opset 17) with the default
// options. See ExportONNXWith.
func (g *Generator) ExportONNX(w io.Writer, meta map[string]string) error {
	return g.ExportONNXWith(w, meta, ExportOptions{})
}

// ExportONNXWith writes g in evaluation form: input "z" (N, ZDim) float32,
// for a conditional model also "label" (N) int64, and output "image"
// (N, C, H, W) in [-1, 1], with the batch N symbolic. BatchNorm layers use
// their running statistics and are folded into the Linear or
// ConvTranspose2d before them; any other BatchNorm is written as
// BatchNormalization. The resnet is written as a graph with residual Adds
// (see exportresnet.go). Initializers keep the state_dict names of the
// layers they come from ("main.0.weight"), holding folded values where a
// BatchNorm was folded in. meta adds metadata_props (dataset, steps,
// gogan_version, class_names, ...); it may repeat a key Export derives
// from g.Spec only with the same value. class_names, when given, must be a
// JSON list of one name per class; a conditional model without it gets
// "0", "1", ...
func (g *Generator) ExportONNXWith(w io.Writer, meta map[string]string, opt ExportOptions) error {
	m, err := g.onnxModel(meta, opt)
	if err != nil {
		return err
	}
	return onnx.Write(w, m)
}

func (g *Generator) onnxModel(meta map[string]string, opt ExportOptions) (*onnxpb.ModelProto, error) {
	props, err := exportMeta(g.Spec, meta)
	if err != nil {
		return nil, err
	}
	var layers []layer
	if g.res == nil {
		if layers, err = lower("main", g.main); err != nil {
			return nil, err
		}
		layers = foldBatchNorm(layers)
	}

	s := g.Spec
	gr := onnx.NewGraph("generator")
	batch := onnx.Sym("N")
	x := gr.Input(InputZ, onnx.Float32, batch, onnx.Fixed(s.ZDim))
	var label string
	if g.embed != nil {
		label = gr.Input(InputLabel, onnx.Int64, batch)
		table := g.embed.Weight
		t := gr.Initializer("label_emb.weight", table.Data, table.Shape()...)
		e := gr.Node("Gather", "label_emb", []string{t, label}, onnx.Int("axis", 0))
		x = gr.Node("Concat", "z_label", []string{x, e}, onnx.Int("axis", 1))
	}
	if g.res != nil {
		x = g.res.emit(gr, x, label, opt)
	}
	for i, l := range layers {
		out := l.path()
		if i == len(layers)-1 {
			out = OutputImage
		}
		x = l.emit(gr, x, out, opt)
	}
	if x != OutputImage {
		return nil, fmt.Errorf("models: export: the generator has no layers")
	}
	gr.Output(OutputImage, onnx.Float32, batch, onnx.Fixed(s.Channels), onnx.Fixed(s.Size), onnx.Fixed(s.Size))
	return gr.Model(onnx.ModelOptions{
		ProducerVersion: meta[MetaVersion],
		Doc: fmt.Sprintf("gogan %s generator: %s (N,%d) -> %s (N,%d,%d,%d) in [-1,1]",
			props[MetaKind], InputZ, s.ZDim, OutputImage, s.Channels, s.Size, s.Size),
		Meta: props,
	})
}

// exportMeta merges the Spec's metadata with the caller's.
func exportMeta(s Spec, meta map[string]string) (map[string]string, error) {
	kind := s.Kind
	if s.Classes > 0 {
		kind = "conditional-" + kind
	}
	own := map[string]string{
		MetaKind:       kind,
		MetaZDim:       strconv.Itoa(s.ZDim),
		MetaImageSize:  strconv.Itoa(s.Size),
		MetaChannels:   strconv.Itoa(s.Channels),
		MetaValueRange: "[-1,1]",
		MetaLayout:     "NCHW",
	}
	if s.Classes > 0 {
		own[MetaClasses] = strconv.Itoa(s.Classes)
	}
	props := maps.Clone(meta)
	if props == nil {
		props = map[string]string{}
	}
	for k, v := range own {
		if old, ok := props[k]; ok && old != v {
			return nil, fmt.Errorf("models: export: metadata %s=%q contradicts the model's %q", k, old, v)
		}
		props[k] = v
	}
	names, given := props[MetaClassNames]
	switch {
	case s.Classes == 0 && given:
		return nil, fmt.Errorf("models: export: class_names given for an unconditional model")
	case s.Classes > 0 && given:
		var list []string
		if err := json.Unmarshal([]byte(names), &list); err != nil || len(list) != s.Classes {
			return nil, fmt.Errorf("models: export: class_names must be a JSON list of %d names, got %q", s.Classes, names)
		}
	case s.Classes > 0:
		list := make([]string, s.Classes)
		for i := range list {
			list[i] = strconv.Itoa(i)
		}
		b, _ := json.Marshal(list)
		props[MetaClassNames] = string(b)
	}
	return props, nil
}
