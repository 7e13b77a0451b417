package main

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/gogan/gan/train/data/npy"
	"io"
	"io/fs"
	"math"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/infer"
)

// latentPlan is where latents come from when they are not plain seeds:
// the rows of a --latents file, and a --direction added to every latent
// (seeded or given) times --strength.
type latentPlan struct {
	file     string      // --latents FILE.npy, "" when the latents are seeds
	rows     [][]float32 // its rows, read by fromFlags
	dirFile  string      // --direction FILE.npy
	dir      []float32   // its single row, read by fromFlags
	strength float64
	zdim     int // the model's, set by bind
}

// active reports whether latents are built here rather than by infer from
// seeds.
func (l *latentPlan) active() bool { return l.file != "" || l.dirFile != "" }

// fromFlags reads --latents and --direction and checks how they combine
// with the seed flags; with --latents, the file's rows decide -n.
func (l *latentPlan) fromFlags(c *cli.Context, p *plan) error {
	l.file, l.dirFile, l.strength = c.String("latents"), c.String("direction"), c.Float64("strength")
	switch {
	case c.IsSet("strength") && l.dirFile == "":
		return usage("--strength applies to --direction FILE.npy")
	case math.IsNaN(l.strength) || math.IsInf(l.strength, 0):
		return usage("--strength %g: want a finite number, e.g. 1.5 or -1", l.strength)
	}
	if l.file != "" {
		for _, f := range []string{"seed", "truncation", "n"} {
			if c.IsSet(f) {
				return usage("--%s does not apply to --latents: the file gives one latent per image", f)
			}
		}
		rows, err := readLatentRows(l.file, "--latents")
		if err != nil {
			return err
		}
		l.rows, p.n = rows, len(rows)
		if p.interpolate > 0 && p.n < 2 {
			return usage("--latents %s has 1 row: --interpolate walks between at least 2", l.file)
		}
	}
	if l.dirFile != "" {
		rows, err := readLatentRows(l.dirFile, "--direction")
		if err != nil {
			return err
		}
		if len(rows) != 1 {
			return usage("--direction %s has %d rows; want one direction, shaped (1, z_dim) as gan-train direction writes it", l.dirFile, len(rows))
		}
		l.dir = rows[0]
	}
	return nil
}

// bind checks the files against the model's latent size.
func (l *latentPlan) bind(g *infer.Generator) error {
	l.zdim = g.Info().ZDim
	if l.file != "" && len(l.rows[0]) != l.zdim {
		return usage("--latents %s holds latents of %d values; model %s takes z_dim %d", l.file, len(l.rows[0]), g.Name(), l.zdim)
	}
	if l.dirFile != "" && len(l.dir) != l.zdim {
		return usage("--direction %s has %d values; model %s takes z_dim %d", l.dirFile, len(l.dir), g.Name(), l.zdim)
	}
	return nil
}

// latent is image i's latent: row i of --latents or seed S+i's, moved by
// strength times the direction.
func (p *plan) latent(i int) []float32 {
	l := &p.lat
	var z []float32
	if l.file != "" {
		z = append([]float32(nil), l.rows[i]...)
	} else {
		z = infer.Latent(p.seed+uint64(i), l.zdim, p.truncation)
	}
	for j, d := range l.dir {
		z[j] = float32(float64(z[j]) + l.strength*float64(d))
	}
	return z
}

// source describes the latents of images first..first+n-1 in messages:
// "seeds 3-10", "the 8 rows of FILE", with the direction when there is one.
func (p *plan) source(first, n int) string {
	s := fmt.Sprintf("seeds %d-%d", p.seed+uint64(first), p.seed+uint64(first+n-1))
	if p.lat.file != "" {
		s = fmt.Sprintf("the %d latents of %s", n, p.lat.file)
		if n < len(p.lat.rows) {
			s = fmt.Sprintf("rows %d-%d of %s", first, first+n-1, p.lat.file)
		}
	}
	if p.lat.dirFile != "" {
		s += fmt.Sprintf(" + %g x %s", p.lat.strength, p.lat.dirFile)
	}
	return s
}

// latentRequest is request for given latents: images start..start+m-1.
// Seeded latents keep their seeds in the batch for the manifest (see
// keepSeeds).
func (p *plan) latentRequest(start, m int) infer.Request {
	req := infer.Request{Latents: make([][]float32, m)}
	for i := range req.Latents {
		req.Latents[i] = p.latent(start + i)
	}
	return req
}

// keepSeeds records in b the seeds that latents from seeds were drawn
// from (a request with latents leaves b.Seeds nil).
func (p *plan) keepSeeds(b *infer.Batch, start int) {
	if !p.lat.active() || p.lat.file != "" {
		return
	}
	b.Seeds = b.Seeds[:0]
	for i := 0; i < b.Len(); i++ {
		b.Seeds = append(b.Seeds, p.seed+uint64(start+i))
	}
}

// readLatentRows reads a NumPy .npy file of float32 or float64 values in C
// order shaped (N, D) (or (D,), one row), as gan-train project and
// direction and numpy.save write them. Errors name the flag and the file.
func readLatentRows(path, flag string) ([][]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usage("%s %s: no such file", flag, path)
		}
		return nil, usage("%s %s: %v", flag, path, unwrapPath(err))
	}
	defer f.Close()
	shape, data, err := decodeNpy(bufio.NewReader(f))
	if err != nil {
		return nil, usage("%s %s: %v", flag, path, err)
	}
	if len(shape) == 1 {
		shape = []int{1, shape[0]}
	}
	if len(shape) != 2 || shape[0] < 1 || shape[1] < 1 {
		return nil, usage("%s %s: an array of shape %v; want (N, z_dim) latents, one per row", flag, path, shape)
	}
	rows := make([][]float32, shape[0])
	for i := range rows {
		rows[i] = data[i*shape[1] : (i+1)*shape[1] : (i+1)*shape[1]]
		for _, v := range rows[i] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, usage("%s %s: row %d holds NaN or Inf", flag, path, i)
			}
		}
	}
	return rows, nil
}

// decodeNpy reads a float32 or float64 .npy array (see package npy).
func decodeNpy(r io.Reader) (shape []int, data []float32, err error) { return npy.Read(r) }
