package tensor

import "testing"

// prepackA lays A out as blocked reads it only when every mc block starts
// on a panel boundary: mc must be a multiple of mr in every kernel,
// including those this CPU cannot run (and so cannot test by running).
func TestGemmKernelBlocks(t *testing.T) {
	for _, g := range []*gemmKernel{genericKernel, sseKernel, avx2Kernel, avx512Kernel} {
		if g.mc%g.mr != 0 || g.mc < g.mr || g.kc < 1 || g.nc%g.nr != 0 {
			t.Errorf("%s: mr %d, nr %d, mc %d, kc %d, nc %d: want mc a multiple of mr and nc of nr", g.name, g.mr, g.nr, g.mc, g.kc, g.nc)
		}
	}
}
