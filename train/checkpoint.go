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

	"github.com/gogan/gan/internal/atomicfile"
	"github.com/gogan/gan/train/data"
	"github.com/gogan/gan/train/nn"
)

// The checkpoint format (integers little-endian):
//
//	magic    "GOGANCKP"
//	version  uint32 (1)
//	meta     uint32 length, then JSON (Meta)
//	G, D     state dicts in nn's named-tensor format (a VAE's decoder
//	         and encoder: see Parts)
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

// SaveCheckpoint writes the model's full state to path atomically.
func SaveCheckpoint(path string, m Model, meta Meta) error {
	p := m.Parts()
	for _, mod := range []nn.Module{p.G, p.D} {
		for _, t := range nn.StateDict(mod) {
			if !t.T.IsFinite() {
				return ErrNotFinite
			}
		}
	}
	rs, err := m.RandState()
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	meta.Step, meta.RandState = *p.Step, rs
	js, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	var ema []nn.Param
	if p.EMA != nil {
		ema = nn.StateDict(p.EMA)
	}
	// The checkpoint streams into the file with its CRC computed on the
	// way, rather than built in memory first: a buffer of it (and of its
	// growth) cost twice its size, at the moment a run's memory peaks.
	return atomicfile.Write(path, func(w io.Writer) error {
		crc := crc32.NewIEEE()
		cw := io.MultiWriter(w, crc)
		head := binary.LittleEndian.AppendUint32([]byte(ckptMagic), uint32(ckptVersion))
		head = binary.LittleEndian.AppendUint32(head, uint32(len(js)))
		if _, err := cw.Write(append(head, js...)); err != nil {
			return err
		}
		for _, ps := range [][]nn.Param{nn.StateDict(p.G), nn.StateDict(p.D), ema} {
			if err := nn.WriteTensors(cw, ps); err != nil {
				return fmt.Errorf("checkpoint: %w", err)
			}
		}
		for _, o := range []*nn.Adam{p.OptG, p.OptD} {
			if err := o.WriteState(cw); err != nil {
				return fmt.Errorf("checkpoint: %w", err)
			}
		}
		_, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
		return err
	})
}

// Checkpoint is a checkpoint read back from disk.
type Checkpoint struct {
	Meta      Meta
	G, D, EMA []nn.Param
	AdamG     nn.AdamState
	AdamD     nn.AdamState
}

// ReadCheckpoint reads and verifies a checkpoint, returning everything in it.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return parseCheckpoint(b, path)
}

// parseCheckpoint reads checkpoint bytes b; path is for messages.
func parseCheckpoint(b []byte, path string) (*Checkpoint, error) {
	var err error
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
// stream into m.
func (c *Checkpoint) Restore(m Model) error {
	p := m.Parts()
	if err := nn.LoadStateDict(p.G, c.G); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", p.GName, err)
	}
	if err := nn.LoadStateDict(p.D, c.D); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", p.DName, err)
	}
	if p.EMA != nil {
		if err := nn.LoadStateDict(p.EMA, c.EMA); err != nil {
			return fmt.Errorf("checkpoint: EMA %s: %w", p.GName, err)
		}
	}
	if err := p.OptG.LoadState(c.AdamG); err != nil {
		return fmt.Errorf("checkpoint: %s optimiser: %w", p.GName, err)
	}
	if err := p.OptD.LoadState(c.AdamD); err != nil {
		return fmt.Errorf("checkpoint: %s optimiser: %w", p.DName, err)
	}
	if err := m.SetRandState(c.Meta.RandState); err != nil {
		return fmt.Errorf("checkpoint: random state: %w", err)
	}
	*p.Step = c.Meta.Step
	return nil
}
