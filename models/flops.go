package models

// FLOPs returns the floating-point operations (two per multiply-add) of
// one image's forward pass through G and through D, counting the
// convolutions and linear layers as the engine runs them (the resnet's
// fused up/down convolutions as 4x4 stride-2 ones) and nothing else.
// Benchmarks turn it into GFLOP/s; a training step costs about 3G + 8D per
// image (G forward and backward; D forward and backward on a real and a
// fake batch, then forward and input-gradient for G's update). It is 0, 0
// for a kind it does not know (vae) or an invalid spec.
func (s Spec) FLOPs() (g, d float64) {
	if s.Validate() != nil {
		return 0, 0
	}
	in := s.ZDim
	if s.Classes > 0 {
		in += embedDim
	}
	dIn := s.Channels
	if s.Classes > 0 {
		dIn++
	}
	c := float64(s.Channels)
	switch s.Kind {
	case "mlp":
		px := float64(s.Size * s.Size)
		g = float64(in)*256 + 256*512 + 512*1024 + 1024*c*px
		d = float64(dIn)*px*512 + 512*256 + 256
	case "dcgan":
		base, blocks, _ := dcganPlan(s.Size)
		w := float64(int(ngf) << (blocks - 1))
		r := float64(base)
		g = float64(in) * w * r * r
		for b := 0; b < blocks; b++ {
			out := w / 2
			if b == blocks-1 {
				out = c
			}
			g += w * out * 16 * r * r // each input pixel meets the 4x4 kernel
			w, r = out, 2*r
		}
		ch, r, w := float64(dIn), float64(s.Size), float64(ngf)
		for b := 0; b < blocks; b++ {
			r /= 2
			d += ch * w * 16 * r * r
			ch, w = w, 2*w
		}
		d += ch * float64(base*base)
	case "resnet":
		base, up, down, _ := resnetPlan(s.Size)
		w, r := float64(s.width()), float64(base)
		g = float64(in) * w * r * r
		for b := 0; b < up; b++ {
			g += w*w*16*r*r + w*w*9*4*r*r + w*w*r*r // c1 fused, c2, c_sc
			r *= 2
		}
		g += w * c * 9 * r * r
		ch := float64(dIn)
		for b := 0; b < down; b++ {
			h := r / 2
			d += ch*w*9*r*r + w*w*16*h*h + ch*w*h*h // c1, c2 fused, c_sc
			ch, r = w, h
		}
		d += 2*2*w*w*9*r*r + w // two blocks without resampling, head
	default:
		return 0, 0
	}
	return 2 * g, 2 * d
}
