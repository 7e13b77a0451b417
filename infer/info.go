package infer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Info describes an exported generator: what gan-train wrote into the
// model's metadata_props, checked against the graph's own inputs and output.
type Info struct {
	Kind     string   // architecture, e.g. "dcgan" or "mlp"
	ZDim     int      // latent size: input z is (N, ZDim)
	Size     int      // image height (and width for square images)
	Width    int      // image width
	Channels int      // 1 (gray) or 3 (RGB)
	Classes  []string // class names of a conditional model, label i is Classes[i]; nil otherwise
	// Conditional reports whether the model takes a label input.
	Conditional bool
	Dataset     string
	Steps       int64      // training steps behind the weights
	Version     string     // gogan version that exported the model
	ValueRange  [2]float64 // range of the image output, [-1,1] by default
	Inputs      []string   // the graph's inputs, e.g. `z float32 (N,100)`
	Output      string     // the graph's image output
	Raw         map[string]string
}

// ModelError is a problem with a model file: missing, truncated, not an
// ONNX model, or not a generator. Path names the file.
type ModelError struct {
	Path string
	Err  error
}

func (e *ModelError) Error() string { return fmt.Sprintf("model %s: %v", e.Path, e.Err) }
func (e *ModelError) Unwrap() error { return e.Err }

// signature is what Generate needs to feed the graph.
type signature struct {
	label      bool  // has an int64 label input
	fixedBatch int64 // the graph's batch size if fixed, else 0
}

// requiredMetadata are the metadata_props every gan-train export has
// (class_names too, for conditional models). They come last in the file, so
// their absence is also how a file cut short between protobuf fields shows.
var requiredMetadata = []string{"kind", "z_dim", "image_size", "channels", "value_range", "dataset", "steps", "gogan_version"}

// Limits on what a model file may announce (gogan's own models have z_dim
// up to a few hundred and images up to 64 pixels).
const (
	maxZDim = 1 << 16
	maxSide = 1 << 12
)

const generatorShape = "a gogan generator has input z float32 (N,z_dim), optional label int64 (N), and output image float32 (N,C,H,W)"

// ReadInfo reads a model file's metadata and checks that it is a generator,
// without loading the runtime library.
func ReadInfo(b []byte, name string) (Info, error) {
	info, _, err := inspect(b, name)
	return info, err
}

// inspect parses b and checks it is a generator with sane metadata.
func inspect(b []byte, name string) (Info, signature, error) {
	bad := func(format string, a ...any) (Info, signature, error) {
		return Info{}, signature{}, &ModelError{name, fmt.Errorf(format, a...)}
	}
	if len(b) == 0 {
		return bad("the file is empty; re-export the generator with gan-train")
	}
	m, err := parseModel(b)
	if err != nil {
		return bad("truncated or not an ONNX model (%v); copy or re-export the file", err)
	}
	if !m.HasGraph {
		return bad("not an ONNX model (no graph in it); give a generator exported by gan-train")
	}
	info := Info{Raw: m.Metadata, ValueRange: [2]float64{-1, 1}}
	var sig signature
	var z, label, image *valueInfo
	for i := range m.Inputs {
		in := &m.Inputs[i]
		info.Inputs = append(info.Inputs, in.String())
		switch in.Name {
		case "z":
			z = in
		case "label":
			label = in
		}
	}
	for i := range m.Outputs {
		if m.Outputs[i].Name == "image" {
			image = &m.Outputs[i]
		}
	}
	if z == nil || image == nil || len(m.Inputs) > 2 || (len(m.Inputs) == 2 && label == nil) {
		return bad("not a generator: it has inputs %s and outputs %s; %s",
			listValues(m.Inputs), listValues(m.Outputs), generatorShape)
	}
	info.Output = image.String()
	if !z.IsTensor || z.ElemType != onnxFloat || len(z.Dims) != 2 {
		return bad("input %s: %s", z, generatorShape)
	}
	if !image.IsTensor || image.ElemType != onnxFloat || len(image.Dims) != 4 {
		return bad("output %s: %s", image, generatorShape)
	}
	if label != nil {
		if !label.IsTensor || label.ElemType != onnxInt64 || len(label.Dims) != 1 {
			return bad("input %s: %s", label, generatorShape)
		}
		sig.label, info.Conditional = true, true
	}
	sig.fixedBatch = max(z.Dims[0], 0)
	var missing []string
	required := requiredMetadata
	if label != nil {
		required = append(required[:len(required):len(required)], "class_names")
	}
	for _, k := range required {
		if _, ok := m.Metadata[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return bad("metadata_props lack %s: the file is truncated, or was not exported by gan-train", strings.Join(missing, ", "))
	}
	if err := readMetadata(&info, m.Metadata); err != nil {
		return bad("%v", err)
	}
	// The graph's fixed dimensions win; metadata fills in symbolic ones and
	// must agree with fixed ones.
	dims := []struct {
		name  string
		graph int64
		meta  *int
	}{
		{"z_dim", z.Dims[1], &info.ZDim},
		{"channels", image.Dims[1], &info.Channels},
		{"image_size", image.Dims[2], &info.Size},
	}
	for _, d := range dims {
		switch {
		case d.graph > 0 && *d.meta > 0 && int64(*d.meta) != d.graph:
			return bad("metadata %s=%d disagrees with the graph (%d)", d.name, *d.meta, d.graph)
		case d.graph > 0:
			*d.meta = int(d.graph)
		case *d.meta <= 0:
			return bad("%s is neither fixed in the graph nor given in the metadata", d.name)
		}
	}
	info.Width = info.Size
	if image.Dims[3] > 0 {
		info.Width = int(image.Dims[3])
	}
	// Generate allocates batch x z_dim and batch x C x H x W floats from
	// these numbers; a corrupt file must not make that a huge allocation.
	if info.ZDim > maxZDim {
		return bad("z_dim %d is over infer's limit of %d", info.ZDim, maxZDim)
	}
	if info.Size > maxSide || info.Width > maxSide {
		return bad("%dx%d images are over infer's limit of %d pixels a side", info.Size, info.Width, maxSide)
	}
	if info.Channels != 1 && info.Channels != 3 {
		return bad("output %s has %d channels; infer makes images of 1 (gray) or 3 (RGB) channels", image, info.Channels)
	}
	if info.Classes != nil && !info.Conditional {
		return bad("metadata lists class_names but the graph has no label input")
	}
	return info, sig, nil
}

func readMetadata(info *Info, md map[string]string) error {
	info.Kind, info.Dataset, info.Version = md["kind"], md["dataset"], md["gogan_version"]
	for _, kv := range []struct {
		key string
		dst *int
	}{{"z_dim", &info.ZDim}, {"image_size", &info.Size}, {"channels", &info.Channels}} {
		if s, ok := md[kv.key]; ok {
			v, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || v <= 0 {
				return fmt.Errorf("metadata %s=%q is not a positive integer", kv.key, s)
			}
			*kv.dst = v
		}
	}
	if s, ok := md["steps"]; ok {
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("metadata steps=%q is not an integer", s)
		}
		info.Steps = v
	}
	if s, ok := md["class_names"]; ok {
		if err := json.Unmarshal([]byte(s), &info.Classes); err != nil || len(info.Classes) == 0 {
			return fmt.Errorf("metadata class_names=%q is not a non-empty JSON list of strings", s)
		}
	}
	if s, ok := md["value_range"]; ok {
		r, err := parseRange(s)
		if err != nil {
			return fmt.Errorf("metadata value_range=%q: %v", s, err)
		}
		info.ValueRange = r
	}
	return nil
}

// parseRange reads "[-1,1]", "-1,1" or "[0, 1]".
func parseRange(s string) ([2]float64, error) {
	parts := strings.Split(strings.Trim(strings.TrimSpace(s), "[]()"), ",")
	if len(parts) != 2 {
		return [2]float64{}, fmt.Errorf("want two numbers like [-1,1]")
	}
	var r [2]float64
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return r, fmt.Errorf("want two numbers like [-1,1]")
		}
		r[i] = v
	}
	if !(r[0] < r[1]) {
		return r, fmt.Errorf("the low end must be below the high end")
	}
	return r, nil
}

func listValues(vs []valueInfo) string {
	if len(vs) == 0 {
		return "none"
	}
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return strings.Join(s, ", ")
}

// String formats the metadata as `key: value` lines, the known fields first
// and then any other metadata_props in key order.
func (in Info) String() string {
	var b strings.Builder
	line := func(k string, v any) { fmt.Fprintf(&b, "%-14s %v\n", k+":", v) }
	line("kind", orDash(in.Kind))
	line("z_dim", in.ZDim)
	line("image", fmt.Sprintf("%dx%d, %d channel(s), values in [%g,%g]", in.Size, in.Width, in.Channels, in.ValueRange[0], in.ValueRange[1]))
	switch {
	case in.Classes != nil:
		line("classes", fmt.Sprintf("%d: %s", len(in.Classes), strings.Join(in.Classes, ", ")))
	default:
		line("classes", "unconditional")
	}
	line("dataset", orDash(in.Dataset))
	line("steps", in.Steps)
	line("gogan_version", orDash(in.Version))
	line("inputs", strings.Join(in.Inputs, ", "))
	line("output", in.Output)
	// "classes" (the exporter's count) repeats the classes line.
	known := map[string]bool{"kind": true, "z_dim": true, "image_size": true, "channels": true, "value_range": true, "classes": true,
		"class_names": true, "dataset": true, "steps": true, "gogan_version": true}
	var extra []string
	for k := range in.Raw {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		line(k, in.Raw[k])
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
