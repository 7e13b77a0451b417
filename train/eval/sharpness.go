package eval

import (
	"fmt"
	"math"
)

// Sharpness measures how crisp images are, independently of any feature
// network: the variance of each image's Laplacian (Pech-Pacheco et al.,
// 2000), averaged over the images. Blurry samples, the mark of a VAE
// trained with a pixel loss, score far below real images; sharp noise
// scores far above them, so it is read against real data's value.
type Sharpness struct {
	Mean float64 `json:"mean"` // mean over images of the Laplacian's variance
	Std  float64 `json:"std"`  // its standard deviation over images
}

// LaplacianVariance returns, for each image of im, the variance of the
// 4-neighbour Laplacian [0 1 0; 1 -4 1; 0 1 0] of its luminance over the interior pixels (no padding), on
// intensities in [0, 1] ((v+1)/2 of im's [-1, 1] values). RGB images are
// reduced to luminance with the Rec. 601 weights. A constant image gives 0
// and a one-pixel checkerboard 16. Images need at least 3x3 pixels.
func LaplacianVariance(im Images) ([]float64, error) {
	if err := im.check(); err != nil {
		return nil, err
	}
	if im.C != 1 && im.C != 3 {
		return nil, fmt.Errorf("eval: sharpness of %d-channel images; want 1 (gray) or 3 (RGB)", im.C)
	}
	if im.H < 3 || im.W < 3 {
		return nil, fmt.Errorf("eval: sharpness of %dx%d images; the Laplacian needs at least 3x3", im.W, im.H)
	}
	h, w := im.H, im.W
	plane := h * w
	out := make([]float64, im.N)
	lum := make([]float64, plane)
	for n := range im.N {
		img := im.Data[n*im.C*plane : (n+1)*im.C*plane]
		luminance(lum, img, im.C, plane)
		var s, ss float64
		for y := 1; y < h-1; y++ {
			for x := 1; x < w-1; x++ {
				p := y*w + x
				l := lum[p-w] + lum[p+w] + lum[p-1] + lum[p+1] - 4*lum[p]
				s += l
				ss += l * l
			}
		}
		k := float64((h - 2) * (w - 2))
		m := s / k
		out[n] = math.Max(0, ss/k-m*m)
	}
	return out, nil
}

// luminance writes the [0, 1] luminance of one image (C, H, W), values in
// [-1, 1], into dst (H*W).
func luminance(dst []float64, img []float32, c, plane int) {
	if c == 1 {
		for p := range plane {
			dst[p] = (float64(img[p]) + 1) / 2
		}
		return
	}
	for p := range plane {
		r, g, b := float64(img[p]), float64(img[plane+p]), float64(img[2*plane+p])
		dst[p] = (0.299*r + 0.587*g + 0.114*b + 1) / 2
	}
}

// MeasureSharpness is the mean and standard deviation over im's images of
// LaplacianVariance.
func MeasureSharpness(im Images) (Sharpness, error) {
	v, err := LaplacianVariance(im)
	if err != nil {
		return Sharpness{}, err
	}
	if len(v) == 0 {
		return Sharpness{}, fmt.Errorf("eval: sharpness of no images")
	}
	var s, ss float64
	for _, x := range v {
		s += x
		ss += x * x
	}
	n := float64(len(v))
	m := s / n
	return Sharpness{Mean: m, Std: math.Sqrt(math.Max(0, ss/n-m*m))}, nil
}
