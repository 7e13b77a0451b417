package main

import (
	"errors"
	"fmt"
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

// bind checks the files against the model's latent size and puts the
// latents and the direction into the series.
func (l *latentPlan) bind(g *infer.Generator, s *infer.Series) error {
	zdim := g.Info().ZDim
	if l.file != "" && len(l.rows[0]) != zdim {
		return usage("--latents %s holds latents of %d values; model %s takes z_dim %d", l.file, len(l.rows[0]), g.Name(), zdim)
	}
	if l.dirFile != "" && len(l.dir) != zdim {
		return usage("--direction %s has %d values; model %s takes z_dim %d", l.dirFile, len(l.dir), g.Name(), zdim)
	}
	s.Latents, s.Direction, s.Strength = l.rows, l.dir, l.strength
	return nil
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

// readLatentRows reads latents from a .npy file (see infer.ReadLatents).
// Errors name the flag and the file.
func readLatentRows(path, flag string) ([][]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usage("%s %s: no such file", flag, path)
		}
		return nil, usage("%s %s: %v", flag, path, unwrapPath(err))
	}
	defer f.Close()
	rows, err := infer.ReadLatents(f)
	if err != nil {
		return nil, usage("%s %s: %v", flag, path, err)
	}
	return rows, nil
}
