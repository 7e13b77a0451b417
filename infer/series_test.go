package infer

import (
	"slices"
	"testing"
)

// Image i of a series uses seed Seed+i and the classes in turn (or the
// given ones); a direction turns the request into latents that still
// list their seeds; a latents file's images have none.
func TestSeries(t *testing.T) {
	s := Series{Seed: 10, Classes: 3, Truncation: 0.8}
	req := s.Request(4, 3, 8)
	if !slices.Equal(req.Seeds, []uint64{14, 15, 16}) || !slices.Equal(req.Labels, []int{1, 2, 0}) || req.Latents != nil || req.Truncation != 0.8 {
		t.Errorf("seeded request %+v", req)
	}
	s.Labels = []int{2}
	if l := s.Request(0, 2, 8).Labels; !slices.Equal(l, []int{2, 2}) {
		t.Errorf("one label: %v", l)
	}
	if (Series{Seed: 1, Labels: []int{2}}).Label(5) != -1 {
		t.Error("an unconditional series has a label")
	}

	dir := []float32{1, 0, 0, 0}
	d := Series{Seed: 10, Direction: dir, Strength: 2}
	req = d.Request(1, 2, 4)
	base := Latent(11, 4, 0)
	if req.Seeds != nil || len(req.Latents) != 2 || req.Latents[0][0] != base[0]+2 || req.Latents[0][1] != base[1] {
		t.Errorf("direction request %+v, seed 11's latent %v", req, base)
	}
	b := &Batch{Shape: [4]int{2, 1, 1, 1}, Data: make([]float32, 2)}
	d.keepSeeds(b, 1)
	if !slices.Equal(b.Seeds, []uint64{11, 12}) {
		t.Errorf("a direction's batch lists seeds %v, want 11 12", b.Seeds)
	}
	f := Series{Latents: [][]float32{{1, 2}, {3, 4}}}
	b.Seeds = nil
	f.keepSeeds(b, 0)
	if req := f.Request(1, 1, 2); b.Seeds != nil || req.Latents[0][1] != 4 {
		t.Errorf("latents from a file: seeds %v, request %+v", b.Seeds, req)
	}
}
