package infer

// Description is a model's metadata as `gan-gen info --json` prints it
// and gan-gen serve's GET /v1/model answers: the fields under the names
// gan-train writes into the model, and the runtime library that would run
// it.
type Description struct {
	Model        string             `json:"model"`
	Bytes        int                `json:"bytes"`
	Kind         string             `json:"kind"`
	ZDim         int                `json:"z_dim"`
	Height       int                `json:"height"`
	Width        int                `json:"width"`
	Channels     int                `json:"channels"`
	Conditional  bool               `json:"conditional"`
	Classes      []string           `json:"classes"` // [] for an unconditional model
	Dataset      string             `json:"dataset"`
	Steps        int64              `json:"steps"`
	GoganVersion string             `json:"gogan_version"`
	ValueRange   [2]float64         `json:"value_range"`
	Inputs       []string           `json:"inputs"`
	Output       string             `json:"output"`
	Metadata     map[string]string  `json:"metadata"` // every metadata_props entry, as written
	Runtime      RuntimeDescription `json:"onnxruntime"`
}

// RuntimeDescription is the onnxruntime library found (see RuntimeVersion),
// or why none is available.
type RuntimeDescription struct {
	Version string `json:"version,omitempty"`
	Path    string `json:"path,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Describe describes the model name, model its bytes and in its Info.
func Describe(name string, model []byte, in Info) Description {
	var rt RuntimeDescription
	if v, path, err := RuntimeVersion(""); err != nil {
		rt.Error = err.Error()
	} else {
		rt.Version, rt.Path = v, path
	}
	classes := in.Classes
	if classes == nil {
		classes = []string{}
	}
	return Description{
		Model: name, Bytes: len(model), Kind: in.Kind, ZDim: in.ZDim, Height: in.Size, Width: in.Width,
		Channels: in.Channels, Conditional: in.Conditional, Classes: classes, Dataset: in.Dataset,
		Steps: in.Steps, GoganVersion: in.Version, ValueRange: in.ValueRange, Inputs: in.Inputs,
		Output: in.Output, Metadata: in.Raw, Runtime: rt,
	}
}
