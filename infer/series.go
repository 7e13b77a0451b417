package infer

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gogan/gan/internal/npy"
)

// Series says which images a sampling run makes, image by image: image i
// comes from seed Seed+i (the images gan-gen --seed S makes), or from row
// i of Latents, moved by Strength times Direction, with the class given by
// Labels.
type Series struct {
	Seed       uint64
	Latents    [][]float32 // one latent per image; nil: from the seeds
	Direction  []float32   // added to every latent times Strength; nil: none
	Strength   float64
	Truncation float64 // see Request.Truncation; seeded latents only
	// Classes is the model's class count (0: unconditional; Labels are
	// then ignored). Labels are the images' classes in turn, cycling: nil
	// cycles through all Classes, []int{k} makes every image class k.
	Classes int
	Labels  []int
}

// SeriesFor is the series from seed for g: image i uses seed seed+i and,
// for a conditional model, the classes in turn.
func SeriesFor(g *Generator, seed uint64) Series {
	return Series{Seed: seed, Classes: len(g.Info().Classes)}
}

// Label is image i's class, or -1 for an unconditional model.
func (s Series) Label(i int) int {
	switch {
	case s.Classes == 0:
		return -1
	case len(s.Labels) > 0:
		return s.Labels[i%len(s.Labels)]
	}
	return i % s.Classes
}

// seeded reports whether infer draws the latents from the seeds itself
// (no file, no direction), so a request can carry seeds alone.
func (s Series) seeded() bool { return s.Latents == nil && s.Direction == nil }

// Latent is image i's latent of zdim values: row i of Latents or seed
// Seed+i's, moved by Strength times Direction.
func (s Series) Latent(i, zdim int) []float32 {
	var z []float32
	if s.Latents != nil {
		z = append([]float32(nil), s.Latents[i]...)
	} else {
		z = Latent(s.Seed+uint64(i), zdim, s.Truncation)
	}
	for j, d := range s.Direction {
		z[j] = float32(float64(z[j]) + s.Strength*float64(d))
	}
	return z
}

// Request is the Generate request for images start..start+m-1 of the
// series, for a model with latents of zdim values.
func (s Series) Request(start, m, zdim int) Request {
	var req Request
	if s.seeded() {
		req = Request{Seeds: make([]uint64, m), Truncation: s.Truncation}
		for i := range req.Seeds {
			req.Seeds[i] = s.Seed + uint64(start+i)
		}
	} else {
		req = Request{Latents: make([][]float32, m)}
		for i := range req.Latents {
			req.Latents[i] = s.Latent(start+i, zdim)
		}
	}
	if s.Classes > 0 {
		req.Labels = make([]int, m)
		for i := range req.Labels {
			req.Labels[i] = s.Label(start + i)
		}
	}
	return req
}

// keepSeeds records in b, images start.. of the series, the seeds its
// latents were drawn from when the request carried latents (a direction
// added to seeded latents); latents from a file have none.
func (s Series) keepSeeds(b *Batch, start int) {
	if s.seeded() || s.Latents != nil {
		return
	}
	b.Seeds = b.Seeds[:0]
	for i := 0; i < b.Len(); i++ {
		b.Seeds = append(b.Seeds, s.Seed+uint64(start+i))
	}
}

// ReadLatents reads latents from a NumPy .npy array of float32 or float64
// values in C order shaped (N, D), one latent per row, or (D,), one
// latent, as gan-train project and direction and numpy.save write them.
// Rows holding NaN or Inf are refused.
func ReadLatents(r io.Reader) ([][]float32, error) {
	shape, data, err := npy.Read(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	if len(shape) == 1 {
		shape = []int{1, shape[0]}
	}
	if len(shape) != 2 || shape[0] < 1 || shape[1] < 1 {
		return nil, fmt.Errorf("an array of shape %v; want (N, z_dim) latents, one per row", shape)
	}
	rows := make([][]float32, shape[0])
	for i := range rows {
		rows[i] = data[i*shape[1] : (i+1)*shape[1] : (i+1)*shape[1]]
		for _, v := range rows[i] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("row %d holds NaN or Inf", i)
			}
		}
	}
	return rows, nil
}

// Class returns the index of a conditional model's class named s (any
// case) or numbered s.
func (g *Generator) Class(s string) (int, error) {
	in := g.Info()
	if !in.Conditional {
		return 0, fmt.Errorf("model %s is not conditional (it has no classes)", g.Name())
	}
	l, err := strconv.Atoi(s)
	if err != nil {
		l = -1
		for i, name := range in.Classes {
			if strings.EqualFold(name, s) {
				l = i
			}
		}
	}
	if l < 0 || l >= len(in.Classes) {
		return 0, fmt.Errorf("model %s has %d classes: give 0-%d or a name (%s)", g.Name(), len(in.Classes), len(in.Classes)-1, strings.Join(in.Classes, ", "))
	}
	return l, nil
}
