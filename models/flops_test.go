package models

import "testing"

// The counts, worked by hand: DCGAN at 28 px is Linear(100, 6272) and two
// k4 transposed convolutions on 7x7 and 14x14 inputs; its D two k4 s2
// convolutions and Linear(6272, 1). The resnet at 28 px, width 64, adds
// per up block the fused conv (16 taps per input pixel), a 3x3 conv at the
// doubled size and a 1x1 shortcut at the input size.
func TestFLOPs(t *testing.T) {
	cases := []struct {
		s    Spec
		g, d float64 // multiply-adds
	}{
		{Spec{Kind: "dcgan", ZDim: 100, Size: 28, Channels: 1},
			100*6272 + 128*64*16*49 + 64*1*16*196, 1*64*16*196 + 64*128*16*49 + 128*49},
		{Spec{Kind: "resnet", ZDim: 100, Size: 28, Channels: 1},
			100*64*49 + 4096*(16*49+9*196+49) + 4096*(16*196+9*784+196) + 64*9*784,
			1*64*9*784 + 4096*16*196 + 64*196 + 4096*9*196 + 4096*16*49 + 4096*49 + 2*2*4096*9*49 + 64},
		{Spec{Kind: "mlp", ZDim: 10, Size: 4, Channels: 1}, 10*256 + 256*512 + 512*1024 + 1024*16, 16*512 + 512*256 + 256},
		{Spec{Kind: "vae", ZDim: 10, Size: 28, Channels: 1}, 0, 0},
		{Spec{Kind: "resnet", ZDim: 10, Size: 48, Channels: 1}, 0, 0},
	}
	for _, c := range cases {
		g, d := c.s.FLOPs()
		if g != 2*c.g || d != 2*c.d {
			t.Errorf("%+v: FLOPs %v, %v; want %v, %v", c.s, g, d, 2*c.g, 2*c.d)
		}
	}
	// Conditioning adds the label embedding to G's input and a label plane
	// to D's.
	s := Spec{Kind: "resnet", ZDim: 100, Size: 32, Channels: 3, Width: 32}
	g0, d0 := s.FLOPs()
	s.Classes = 10
	g1, d1 := s.FLOPs()
	if g1-g0 != 2*50*32*16 || d1 <= d0 {
		t.Errorf("conditional resnet FLOPs %v, %v from %v, %v", g1, d1, g0, d0)
	}
}
