package train

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/allocs"
)

// FuzzReadCheckpoint: any bytes give a checkpoint or a "checkpoint:" error,
// never a panic, a hang or a large allocation. Most mutations would only
// break the checksum, so each input is also read with its CRC fixed, which
// takes the fuzzer past it into the metadata, tensors and optimiser state;
// what parses is restored into the tiny GAN, which must fail cleanly too.
func FuzzReadCheckpoint(f *testing.F) {
	golden, err := os.ReadFile("testdata/gan-v1.ckpt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(golden[:len(golden)-4]) // without its CRC, which the fix-up adds back
	f.Add([]byte(ckptMagic + "\x01\x00\x00\x00\x02\x00\x00\x00{}"))
	// One GAN takes every restore: a failed one may leave it half
	// restored, which the next restore overwrites or refuses just the same.
	gan, _ := tinyGAN()
	f.Fuzz(func(t *testing.T, b []byte) {
		fixed := binary.LittleEndian.AppendUint32(bytes.Clone(b), crc32.ChecksumIEEE(b))
		for _, in := range [][]byte{b, fixed} {
			var ck *Checkpoint
			var err error
			if n := allocs.During(func() { ck, err = parseCheckpoint(in, "fuzz.ckpt") }); n > allocs.FuzzLimit+8*uint64(len(in)) {
				t.Fatalf("reading %d bytes allocated %d", len(in), n)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "checkpoint: fuzz.ckpt: ") {
					t.Fatalf("error without prefix: %v", err)
				}
				continue
			}
			if err := ck.Restore(gan); err != nil && !strings.HasPrefix(err.Error(), "checkpoint: ") {
				t.Fatalf("restore error without prefix: %v", err)
			}
		}
	})
}

// FuzzParseConfig: any config.json gives a Config or an error naming the
// file, never a panic; a config that parses and validates writes back
// (as a resumed run rewrites config.json) to a file that reads the same,
// and has a model small enough to build.
func FuzzParseConfig(f *testing.F) {
	var buf bytes.Buffer
	for _, c := range []Config{DefaultConfig(), DefaultConfig().WithVAEDefaults()} {
		buf.Reset()
		c.Model.Size, c.Model.Channels, c.Steps = 28, 1, 10
		if err := c.WriteJSON(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(bytes.Clone(buf.Bytes()))
	}
	f.Add([]byte(`{"model":{"kind":"mlp","image_size":28,"channels":1,"z_dim":1000000000},"loss":"hinge","d_steps":1,"batch_size":1,"lr_g":1,"lr_d":1,"sample_every":1,"checkpoint_every":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseConfig(b, "fuzz.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if c.Validate() != nil {
			return
		}
		if c.Model.ZDim > 1<<16 || c.Model.Classes > 1<<16 {
			t.Fatalf("a config with z_dim %d and %d classes validates", c.Model.ZDim, c.Model.Classes)
		}
		var out bytes.Buffer
		if err := c.WriteJSON(&out); err != nil {
			t.Fatal(err)
		}
		again, err := parseConfig(out.Bytes(), "again.json")
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("config does not survive a rewrite: %v\n%+v\n%+v", err, c, again)
		}
	})
}
