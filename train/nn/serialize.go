package nn

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"

	"github.com/gogan/gan/train/tensor"
)

// The named-tensor format (all integers little-endian):
//
//	magic   "GGNT"
//	version uint32 (1)
//	count   uint32
//	count times:
//	    name    uint32 length, then UTF-8 bytes
//	    rank    uint32, then rank uint32 dimensions
//	    data    numel float32 values (IEEE 754 bits, little-endian)
//	crc     uint32, CRC-32 (IEEE) of every byte before it
//
// A reader consumes exactly these bytes, so the block can sit inside a
// larger checkpoint stream.

const (
	tensorsMagic   = "GGNT"
	tensorsVersion = 1

	maxNameLen = 4096
	maxRank    = 8
	// maxNumel bounds a tensor's element count when reading; data is read
	// in chunks, so a corrupted shape fails at end of input rather than in
	// one huge allocation.
	maxNumel = 1 << 40
)

// WriteTensors writes ps to w in the named-tensor format. Names must be
// non-empty, unique and at most 4096 bytes long.
func WriteTensors(w io.Writer, ps []Param) error {
	if err := checkParams("WriteTensors", ps); err != nil {
		return err
	}
	e := newEncoder(w)
	e.raw([]byte(tensorsMagic))
	e.u32(tensorsVersion)
	e.u32(uint32(len(ps)))
	for _, p := range ps {
		e.tensor(p.Name, p.T)
	}
	return e.finish("WriteTensors")
}

// ReadTensors reads a block written by WriteTensors. Corrupt, truncated or
// foreign input gives an error starting "nn: ReadTensors:".
func ReadTensors(r io.Reader) ([]Param, error) {
	d := newDecoder(r, "ReadTensors")
	d.header(tensorsMagic, tensorsVersion, "gogan tensor file")
	n := d.u32("tensor count")
	var ps []Param
	for i := uint32(0); i < n && d.err == nil; i++ {
		name, t := d.tensor()
		ps = append(ps, Param{name, t})
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	if err := checkParams("ReadTensors", ps); err != nil {
		return nil, err
	}
	return ps, nil
}

func checkParams(op string, ps []Param) error {
	seen := make(map[string]bool, len(ps))
	for i, p := range ps {
		switch {
		case p.Name == "":
			return fmt.Errorf("nn: %s: tensor %d has an empty name", op, i)
		case len(p.Name) > maxNameLen:
			return fmt.Errorf("nn: %s: name of tensor %d is %d bytes long (limit %d)", op, i, len(p.Name), maxNameLen)
		case seen[p.Name]:
			return fmt.Errorf("nn: %s: name %q appears twice", op, p.Name)
		case p.T == nil:
			return fmt.Errorf("nn: %s: %q has no tensor", op, p.Name)
		case p.T.Rank() > maxRank:
			return fmt.Errorf("nn: %s: %q has rank %d (limit %d)", op, p.Name, p.T.Rank(), maxRank)
		}
		seen[p.Name] = true
	}
	return nil
}

// encoder writes little-endian values through a CRC; the first error
// sticks and is returned by finish.
type encoder struct {
	w   *bufio.Writer
	crc hash.Hash32
	buf []byte
	err error
}

func newEncoder(w io.Writer) *encoder {
	return &encoder{w: bufio.NewWriterSize(w, 1<<16), crc: crc32.NewIEEE(), buf: make([]byte, 1<<16)}
}

func (e *encoder) raw(b []byte) {
	if e.err != nil {
		return
	}
	e.crc.Write(b)
	_, e.err = e.w.Write(b)
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf, v)
	e.raw(e.buf[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf, v)
	e.raw(e.buf[:8])
}

func (e *encoder) f64(v float64) { e.u64(math.Float64bits(v)) }

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	e.raw([]byte(s))
}

func (e *encoder) floats(data []float32) {
	for len(data) > 0 {
		n := min(len(data), len(e.buf)/4)
		for i, v := range data[:n] {
			binary.LittleEndian.PutUint32(e.buf[4*i:], math.Float32bits(v))
		}
		e.raw(e.buf[:4*n])
		data = data[n:]
	}
}

// tensor writes name, rank, dimensions and data.
func (e *encoder) tensor(name string, t *tensor.Tensor) {
	e.str(name)
	e.shaped(t)
}

// shaped writes rank, dimensions and data.
func (e *encoder) shaped(t *tensor.Tensor) {
	e.u32(uint32(t.Rank()))
	for _, d := range t.Shape() {
		e.u32(uint32(d))
	}
	e.floats(t.Data)
}

// finish appends the CRC of everything written and flushes.
func (e *encoder) finish(op string) error {
	if e.err == nil {
		binary.LittleEndian.PutUint32(e.buf, e.crc.Sum32())
		_, e.err = e.w.Write(e.buf[:4])
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	if e.err != nil {
		return fmt.Errorf("nn: %s: %w", op, e.err)
	}
	return nil
}

// decoder reads what encoder writes. It reads exactly the bytes it needs
// (no read-ahead) so that it can be used inside a larger stream. The first
// error sticks; later reads return zero values.
type decoder struct {
	r   io.Reader
	op  string
	crc hash.Hash32
	buf []byte
	err error
}

func newDecoder(r io.Reader, op string) *decoder {
	return &decoder{r: r, op: op, crc: crc32.NewIEEE(), buf: make([]byte, 1<<16)}
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("nn: %s: "+format, append([]any{d.op}, args...)...)
	}
}

// raw reads n <= len(d.buf) bytes into d.buf, adding them to the CRC.
func (d *decoder) raw(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	b := d.buf[:n]
	if _, err := io.ReadFull(d.r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			d.fail("input truncated while reading %s", what)
		} else {
			d.fail("reading %s: %w", what, err)
		}
		return nil
	}
	d.crc.Write(b)
	return b
}

func (d *decoder) u32(what string) uint32 {
	b := d.raw(4, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (d *decoder) u64(what string) uint64 {
	b := d.raw(8, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (d *decoder) f64(what string) float64 { return math.Float64frombits(d.u64(what)) }

func (d *decoder) str(what string) string {
	n := d.u32(what + " length")
	if n > maxNameLen {
		d.fail("%s is %d bytes long (limit %d); the input is corrupt", what, n, maxNameLen)
		return ""
	}
	b := d.raw(int(n), what)
	return string(b)
}

// header checks the magic number and the version.
func (d *decoder) header(magic string, version uint32, kind string) {
	b := d.raw(len(magic), "magic number")
	if b != nil && string(b) != magic {
		d.fail("bad magic %q, want %q: not a %s", b, magic, kind)
	}
	if v := d.u32("version"); d.err == nil && v != version {
		d.fail("unsupported version %d (this build reads version %d)", v, version)
	}
}

// shape reads a rank and dimensions.
func (d *decoder) shape(name string) ([]int, int) {
	rank := d.u32(fmt.Sprintf("rank of %q", name))
	if rank > maxRank {
		d.fail("%q has rank %d (limit %d); the input is corrupt", name, rank, maxRank)
	}
	if d.err != nil {
		return nil, 0
	}
	shape := make([]int, rank)
	numel := 1
	for i := range shape {
		shape[i] = int(d.u32(fmt.Sprintf("shape of %q", name)))
		// Compare before multiplying so that corrupt sizes cannot overflow.
		if shape[i] > 0 && numel > maxNumel/shape[i] {
			d.fail("%q has shape %v...: too large; the input is corrupt", name, shape[:i+1])
			return nil, 0
		}
		numel *= shape[i]
	}
	return shape, numel
}

// floats reads n values, growing the slice as data arrives.
func (d *decoder) floats(n int, name string) []float32 {
	data := make([]float32, 0, min(n, len(d.buf)/4))
	for len(data) < n && d.err == nil {
		k := min(n-len(data), len(d.buf)/4)
		b := d.raw(4*k, fmt.Sprintf("data of %q", name))
		for i := 0; i < len(b); i += 4 {
			data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
		}
	}
	return data
}

// tensor reads what encoder.tensor writes.
func (d *decoder) tensor() (string, *tensor.Tensor) {
	name := d.str("tensor name")
	return name, d.shaped(name)
}

// shaped reads what encoder.shaped writes; name is for error messages. It
// returns nil after an error.
func (d *decoder) shaped(name string) *tensor.Tensor {
	shape, numel := d.shape(name)
	data := d.floats(numel, name)
	if d.err != nil {
		return nil
	}
	return tensor.New(data, shape...)
}

// finish reads the trailing CRC and compares it with the bytes read.
func (d *decoder) finish() error {
	if d.err != nil {
		return d.err
	}
	want := d.crc.Sum32()
	b := make([]byte, 4)
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.fail("input truncated while reading checksum")
		return d.err
	}
	if got := binary.LittleEndian.Uint32(b); got != want {
		d.fail("checksum mismatch (stored %08x, computed %08x): the data is corrupt", got, want)
	}
	return d.err
}
