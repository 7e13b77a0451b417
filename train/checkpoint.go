package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/nn"
)

// The checkpoint format (integers little-endian):
//
//	magic    "GOGANCKP"
//	version  uint32 (1)
//	meta     uint32 length, then JSON (Meta)
//	G, D     state dicts in nn's named-tensor format
//	EMA      the moving average's state dict (empty when off)
//	Adam     G's, then D's optimiser state (nn.WriteAdamState)
//	crc      uint32, CRC-32 (IEEE) of every byte before it
const (
	ckptMagic   = "GOGANCKP"
	ckptVersion = 1
)

// Meta is the checkpoint's scalar state: where the run stands and what it
// needs to continue exactly.
type Meta struct {
	Config     Config           `json:"config"`
	Step       int              `json:"step"`
	Epoch      int              `json:"epoch"`
	Loader     data.LoaderState `json:"loader"`
	RandState  []byte           `json:"rand_state"`
	KernelPath string           `json:"kernel_path"`
	Threads    int              `json:"threads"`
}

// ErrNotFinite is returned instead of writing a checkpoint whose weights
// hold NaN or Inf: the last good checkpoint must stay.
var ErrNotFinite = errors.New("checkpoint: weights are not finite; not overwriting the last good checkpoint")

// SaveCheckpoint writes the loop's full state to path atomically.
func SaveCheckpoint(path string, t *GAN, meta Meta) error {
	for _, m := range []nn.Module{t.G, t.D} {
		for _, p := range nn.StateDict(m) {
			if !p.T.IsFinite() {
				return ErrNotFinite
			}
		}
	}
	rs, err := t.RandState()
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	meta.Step, meta.RandState = t.Step, rs
	js, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString(ckptMagic)
	binary.Write(&buf, binary.LittleEndian, uint32(ckptVersion))
	binary.Write(&buf, binary.LittleEndian, uint32(len(js)))
	buf.Write(js)
	var ema []nn.Param
	if t.EMA != nil {
		ema = nn.StateDict(t.EMA)
	}
	for _, ps := range [][]nn.Param{nn.StateDict(t.G), nn.StateDict(t.D), ema} {
		if err := nn.WriteTensors(&buf, ps); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	for _, o := range []*nn.Adam{t.OptG, t.OptD} {
		if err := nn.WriteAdamState(&buf, o.State()); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	binary.Write(&buf, binary.LittleEndian, crc32.ChecksumIEEE(buf.Bytes()))
	return WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
}

// Checkpoint is a checkpoint read back from disk.
type Checkpoint struct {
	Meta      Meta
	G, D, EMA []nn.Param
	AdamG     nn.AdamState
	AdamD     nn.AdamState
}

// ReadCheckpointMeta reads and verifies a checkpoint, returning everything in it.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	bad := func(why string) error {
		return fmt.Errorf("checkpoint: %s: %s", path, why)
	}
	if len(b) < len(ckptMagic)+12 || string(b[:len(ckptMagic)]) != ckptMagic {
		return nil, bad("bad magic: not a gogan checkpoint")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != ckptVersion {
		return nil, bad(fmt.Sprintf("format version %d, this gogan reads version %d", v, ckptVersion))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, bad("checksum mismatch: the file is damaged or truncated")
	}
	r := bytes.NewReader(body[12:])
	n := int(binary.LittleEndian.Uint32(b[12:]))
	r.Seek(4, io.SeekCurrent)
	if n > r.Len() {
		return nil, bad("metadata runs past the end of the file")
	}
	js := make([]byte, n)
	io.ReadFull(r, js)
	c := &Checkpoint{}
	if err := json.Unmarshal(js, &c.Meta); err != nil {
		return nil, bad("bad metadata: " + err.Error())
	}
	for _, dst := range []*[]nn.Param{&c.G, &c.D, &c.EMA} {
		if *dst, err = nn.ReadTensors(r); err != nil {
			return nil, bad(err.Error())
		}
	}
	for _, dst := range []*nn.AdamState{&c.AdamG, &c.AdamD} {
		if *dst, err = nn.ReadAdamState(r); err != nil {
			return nil, bad(err.Error())
		}
	}
	if r.Len() != 0 {
		return nil, bad(fmt.Sprintf("%d unexpected bytes after the optimiser state", r.Len()))
	}
	return c, nil
}

// Restore loads the checkpoint's weights, optimiser states and random
// stream into t.
func (c *Checkpoint) Restore(t *GAN) error {
	if err := nn.LoadStateDict(t.G, c.G); err != nil {
		return fmt.Errorf("checkpoint: generator: %w", err)
	}
	if err := nn.LoadStateDict(t.D, c.D); err != nil {
		return fmt.Errorf("checkpoint: discriminator: %w", err)
	}
	if t.EMA != nil {
		if err := nn.LoadStateDict(t.EMA, c.EMA); err != nil {
			return fmt.Errorf("checkpoint: EMA generator: %w", err)
		}
	}
	if err := t.OptG.LoadState(c.AdamG); err != nil {
		return fmt.Errorf("checkpoint: generator optimiser: %w", err)
	}
	if err := t.OptD.LoadState(c.AdamD); err != nil {
		return fmt.Errorf("checkpoint: discriminator optimiser: %w", err)
	}
	if err := t.SetRandState(c.Meta.RandState); err != nil {
		return fmt.Errorf("checkpoint: random state: %w", err)
	}
	t.Step = c.Meta.Step
	return nil
}
