package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// col2imS2K4 must add exactly what the pixel-table gather adds, in the same
// order: on every geometry it takes (square and not, the smallest, the
// DCGAN's), onto a plane that already holds values, for several images and
// channels of one column block.
func TestCol2imS2K4MatchesTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][2]int{{2, 2}, {2, 3}, {3, 2}, {4, 4}, {7, 7}, {14, 14}, {5, 9}} {
		oh, ow := s[0], s[1]
		g := &convGeom{n: 3, c: 2, h: 2 * oh, w: 2 * ow, f: 5, kh: 4, kw: 4, stride: 2, pad: 1, oh: oh, ow: ow}
		if !isS2K4(g) {
			t.Fatalf("%v: not taken by isS2K4", s)
		}
		m := g.n
		ld := m * g.l()
		cols := make([]float32, g.c*16*ld)
		for i := range cols {
			cols[i] = float32(rng.NormFloat64())
		}
		hw := g.h * g.w
		base := make([]float32, g.n*g.c*hw)
		for i := range base {
			base[i] = float32(rng.NormFloat64())
		}
		pt := newPixelTable(g, ld)
		want := append([]float32(nil), base...)
		got := append([]float32(nil), base...)
		for ch := 0; ch < g.c; ch++ {
			rows := cols[ch*16*ld:]
			for i := 0; i < m; i++ {
				sumPixels(want[(i*g.c+ch)*hw:][:hw], rows[i*g.l():], pt)
				col2imS2K4(got[(i*g.c+ch)*hw:][:hw], rows[i*g.l():], ld, g)
			}
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%dx%d outputs: dx[%d] = %v, the table gives %v", oh, ow, i, got[i], want[i])
			}
		}
	}
	// What it must not take: other kernels, strides, paddings, odd inputs.
	for _, g := range []*convGeom{
		{h: 8, w: 8, kh: 3, kw: 3, stride: 2, pad: 1, oh: 4, ow: 4},
		{h: 8, w: 8, kh: 4, kw: 4, stride: 1, pad: 1, oh: 7, ow: 7},
		{h: 8, w: 8, kh: 4, kw: 4, stride: 2, pad: 0, oh: 3, ow: 3},
		{h: 7, w: 7, kh: 4, kw: 4, stride: 2, pad: 1, oh: 3, ow: 3},
		{h: 2, w: 2, kh: 4, kw: 4, stride: 2, pad: 1, oh: 1, ow: 1},
	} {
		if isS2K4(g) {
			t.Errorf("isS2K4 takes %s", fmt.Sprintf("%+v", *g))
		}
	}
}
