package infer

import (
	"context"
	"fmt"
	"image"
	"math"
	"testing"
)

// TestAppendPixels: the bytes an encoder gets are Image's pixels,
// interleaved, appended after what dst held.
func TestAppendPixels(t *testing.T) {
	nan := float32(math.NaN())
	b := &Batch{Shape: [4]int{1, 3, 1, 3}, ValueRange: [2]float64{-1, 1},
		Data: []float32{-1, 0, 1, 2, -2, nan, 0.5, -0.5, 0.999}}
	got := b.AppendPixels([]uint8{7}, 0)
	want := []uint8{7, 0, 255, 191, 128, 0, 64, 255, 0, 255}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("RGB pixels %v; want %v", got, want)
	}
	rgba := b.Image(0).(*image.RGBA).Pix
	for j := 0; j < 3; j++ {
		if fmt.Sprint(rgba[4*j:4*j+3]) != fmt.Sprint(got[1+3*j:4+3*j]) {
			t.Errorf("pixel %d: Image has %v, AppendPixels %v", j, rgba[4*j:4*j+3], got[1+3*j:4+3*j])
		}
	}
	g := &Batch{Shape: [4]int{2, 1, 1, 2}, ValueRange: [2]float64{0, 1}, Data: []float32{0, 1, 0.5, 0.2}}
	if p := g.AppendPixels(nil, 1); fmt.Sprint(p) != "[128 51]" {
		t.Errorf("gray pixels %v; want [128 51]", p)
	}
}

// TestGenerateInto: a recycled batch gets the same images as a new one,
// reuses its tensor, and drops the last request's seeds and labels.
func TestGenerateInto(t *testing.T) {
	g := openTest(t, condModel)
	ctx := context.Background()
	want, err := g.Generate(ctx, Request{Seeds: seeds(3, 4), Labels: []int{0, 1, 2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	b := &Batch{}
	if err := g.GenerateInto(ctx, b, Request{Seeds: seeds(0, 6), Labels: []int{2}}); err != nil {
		t.Fatal(err)
	}
	data := &b.Data[0]
	if err := g.GenerateInto(ctx, b, Request{Seeds: seeds(3, 4), Labels: []int{0, 1, 2, 1}}); err != nil {
		t.Fatal(err)
	}
	if &b.Data[0] != data {
		t.Error("a large enough tensor was not reused")
	}
	if fmt.Sprint(b.Data) != fmt.Sprint(want.Data) || fmt.Sprint(b.Seeds, b.Labels) != fmt.Sprint(want.Seeds, want.Labels) || b.Shape != want.Shape {
		t.Errorf("recycled batch %v %v %v differs from a new one %v %v %v", b.Shape, b.Seeds, b.Labels, want.Shape, want.Seeds, want.Labels)
	}
	z := make([]float32, 2*g.Info().ZDim)
	if err := g.GenerateInto(ctx, b, Request{Z: z, Labels: []int{1}}); err != nil {
		t.Fatal(err)
	}
	if b.Seeds != nil || len(b.Labels) != 2 || b.Len() != 2 || len(b.Data) != 2*3*8*8 {
		t.Errorf("after a Z request: seeds %v, labels %v, shape %v, %d values", b.Seeds, b.Labels, b.Shape, len(b.Data))
	}
}
