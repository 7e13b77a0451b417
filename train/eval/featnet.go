package eval

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/gogan/gan/models"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// The feature-network file (integers little-endian):
//
//	magic   "GGFN"
//	version uint32 (1)
//	length  uint32, then that many bytes of JSON: FeatureNetInfo
//	weights a named-tensor block (nn.WriteTensors) with LeNet's state_dict
//
// The weights block ends in its own CRC; the JSON is checked by parsing it
// and by building the network it describes around the weights.
const (
	featMagic   = "GGFN"
	featVersion = 1
	maxInfoLen  = 1 << 20
)

// DefaultFeatureNetFile is the shipped MNIST feature network, inside the
// featnet folder of this package (embedded in every binary).
const DefaultFeatureNetFile = "featnet/mnist_lenet.bin"

//go:embed featnet
var shipped embed.FS

// Recipe records how a feature network was trained, so that `gan-eval
// train-features` with the same settings remakes the same weights (given
// the same thread count and sgemm kernel path).
type Recipe struct {
	Epochs    int     `json:"epochs"`
	BatchSize int     `json:"batch_size"`
	LR        float64 `json:"lr"`       // Adam, betas (0.9, 0.999), eps 1e-8
	LRDecay   float64 `json:"lr_decay"` // factor applied after each epoch
	Seed      uint64  `json:"seed"`
	Threads   int     `json:"threads"`
	Kernel    string  `json:"kernel"` // tensor.KernelPath at training time
}

// FeatureNetInfo describes a feature network file.
type FeatureNetInfo struct {
	Name     string   `json:"name"` // e.g. "mnist-lenet"
	Arch     string   `json:"arch"` // "lenet"
	Channels int      `json:"channels"`
	Height   int      `json:"height"`
	Width    int      `json:"width"`
	Classes  []string `json:"classes"`
	Dataset  string   `json:"dataset"`
	Recipe   Recipe   `json:"recipe"`
	// TestAccuracy is measured on TestImages held-out images after training.
	TestAccuracy float64 `json:"test_accuracy"`
	TestImages   int     `json:"test_images"`
}

// FeatureNet is a LeNet classifier trained by gogan whose penultimate
// activations (128 values) are the features, and whose softmax gives the
// class probabilities for coverage. It implements Extractor.
type FeatureNet struct {
	Info FeatureNetInfo
	net  *models.LeNet
	hash string // first 8 hex digits of the file's SHA-256
}

// DefaultFeatureNet returns the MNIST feature network shipped with gogan.
func DefaultFeatureNet() (*FeatureNet, error) {
	b, err := fs.ReadFile(shipped, DefaultFeatureNetFile)
	if err != nil {
		return nil, fmt.Errorf("eval: the shipped feature network %s is missing from this build; run make featnet, then rebuild", DefaultFeatureNetFile)
	}
	return ParseFeatureNet(b)
}

// LoadFeatureNet reads a feature network file written by WriteTo.
func LoadFeatureNet(path string) (*FeatureNet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("featnet: %v", err)
	}
	f, err := ParseFeatureNet(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return f, nil
}

// IsFeatureNetFile reports whether b starts like a feature network file.
func IsFeatureNetFile(b []byte) bool { return bytes.HasPrefix(b, []byte(featMagic)) }

// ParseFeatureNet decodes a feature network file held in memory.
func ParseFeatureNet(b []byte) (*FeatureNet, error) {
	r := bytes.NewReader(b)
	var head struct {
		Magic   [4]byte
		Version uint32
		Len     uint32
	}
	if err := binary.Read(r, binary.LittleEndian, &head); err != nil {
		return nil, errors.New("featnet: truncated header; not a gogan feature network file")
	}
	switch {
	case string(head.Magic[:]) != featMagic:
		return nil, fmt.Errorf("featnet: bad magic %q; not a gogan feature network file (those start with %q)", head.Magic[:], featMagic)
	case head.Version != featVersion:
		return nil, fmt.Errorf("featnet: version %d; this build reads version %d", head.Version, featVersion)
	case head.Len > maxInfoLen || int(head.Len) > r.Len():
		return nil, fmt.Errorf("featnet: header announces %d bytes of description; the file is truncated or corrupt", head.Len)
	}
	raw := make([]byte, head.Len)
	io.ReadFull(r, raw)
	var info FeatureNetInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, fmt.Errorf("featnet: description: %v", err)
	}
	ps, err := nn.ReadTensors(r)
	if err != nil {
		return nil, fmt.Errorf("featnet: weights: %v", err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("featnet: %d bytes follow the weights; the file is corrupt", r.Len())
	}
	if info.Arch != "lenet" {
		return nil, fmt.Errorf("featnet: architecture %q; this build knows lenet", info.Arch)
	}
	net, err := models.NewLeNet(info.Channels, info.Height, info.Width, len(info.Classes), rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("featnet: %v", err)
	}
	if err := nn.LoadStateDict(net, ps); err != nil {
		return nil, fmt.Errorf("featnet: weights do not fit the described network: %v", err)
	}
	return newFeatureNet(info, net, b), nil
}

// newFeatureNet wraps net, freezing its weights so that extraction builds
// no autograd graph (without touching the process-wide NoGrad switch,
// which a training loop on another goroutine may rely on).
func newFeatureNet(info FeatureNetInfo, net *models.LeNet, file []byte) *FeatureNet {
	for _, p := range net.Params() {
		p.T.SetRequiresGrad(false)
	}
	sum := sha256.Sum256(file)
	return &FeatureNet{Info: info, net: net, hash: hex.EncodeToString(sum[:4])}
}

// encode returns the file form of info and net's weights.
func encode(info FeatureNetInfo, net *models.LeNet) ([]byte, error) {
	js, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(featMagic)
	binary.Write(&buf, binary.LittleEndian, uint32(featVersion))
	binary.Write(&buf, binary.LittleEndian, uint32(len(js)))
	buf.Write(js)
	if err := nn.WriteTensors(&buf, nn.StateDict(net)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteTo writes the network in the feature network file format.
func (f *FeatureNet) WriteTo(w io.Writer) (int64, error) {
	b, err := encode(f.Info, f.net)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	n, err := bw.Write(b)
	if err == nil {
		err = bw.Flush()
	}
	return int64(n), err
}

// Name identifies the network and its weights, e.g. "mnist-lenet@1a2b3c4d":
// scores are comparable only between reports with the same name.
func (f *FeatureNet) Name() string { return f.Info.Name + "@" + f.hash }

// Input is the image shape the network takes.
func (f *FeatureNet) Input() (c, h, w int) { return f.Info.Channels, f.Info.Height, f.Info.Width }

// ClassNames names the classifier's classes.
func (f *FeatureNet) ClassNames() []string { return f.Info.Classes }

// Model is the underlying LeNet (its weights are frozen).
func (f *FeatureNet) Model() *models.LeNet { return f.net }

// extractBatch bounds the images one forward pass takes (a 256-image LeNet
// pass on 28x28 needs about 60 MB of activations).
const extractBatch = 256

// Extract implements Extractor: features (n, 128) and softmax class
// probabilities for n images (n, C, H, W) in [-1, 1].
func (f *FeatureNet) Extract(images []float32, n int) (*Features, error) {
	c, h, w := f.Input()
	per := c * h * w
	if len(images) != n*per {
		return nil, fmt.Errorf("eval: %d values for %d images of (%d,%d,%d)", len(images), n, c, h, w)
	}
	k := len(f.Info.Classes)
	out := &Features{N: n, Dim: models.LeNetFeatures, Data: make([]float32, n*models.LeNetFeatures),
		Classes: k, Probs: make([]float32, n*k)}
	for lo := 0; lo < n; lo += extractBatch {
		m := min(extractBatch, n-lo)
		x := tensor.New(images[lo*per:(lo+m)*per], m, c, h, w)
		feats, logits := f.net.Features(x)
		copy(out.Data[lo*out.Dim:], feats.Data)
		softmaxRows(out.Probs[lo*k:(lo+m)*k], logits.Data, m, k)
	}
	if !finite(out.Data) {
		return nil, errors.New("eval: the feature network produced NaN or Inf (are the images finite?)")
	}
	return out, nil
}

// softmaxRows writes the softmax of each row of logits (m, k) to dst.
func softmaxRows(dst, logits []float32, m, k int) {
	for i := range m {
		row := logits[i*k : (i+1)*k]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, float64(v))
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(float64(v) - mx)
		}
		for j, v := range row {
			dst[i*k+j] = float32(math.Exp(float64(v)-mx) / s)
		}
	}
}

func finite(x []float32) bool {
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}

// DigitClasses are MNIST's class names, "0" to "9".
func DigitClasses() []string {
	c := make([]string, 10)
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}
