package infer_test

import (
	"context"
	"fmt"
	"image/png"
	"io"

	"github.com/gogan/gan/infer"
)

// Sample three images of chosen classes from a conditional generator and
// encode one as PNG. (The test model is a tiny stand-in for a gan-train
// export: 8x8 RGB images of three classes.)
func Example() {
	g, err := infer.Open("testdata/gen_cond.onnx", infer.WithThreads(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	in := g.Info()
	fmt.Println(in.Kind, "z_dim", in.ZDim, "classes", in.Classes)

	b, err := g.Generate(context.Background(), infer.Request{
		Seeds:  []uint64{1, 2, 3}, // image i depends on seed i alone
		Labels: []int{0, 1, 2},    // cat, dog, bird
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("tensor", b.Shape, "labels", b.Labels)
	img := b.Image(2) // *image.RGBA; gray models give *image.Gray
	fmt.Println("image", img.Bounds().Dx(), "x", img.Bounds().Dy())
	if err := png.Encode(io.Discard, img); err != nil {
		fmt.Println(err)
	}
	// Output:
	// conditional-mlp z_dim 8 classes [cat dog bird]
	// tensor [3 3 8 8] labels [0 1 2]
	// image 8 x 8
}

// Walk from one seed's latent to another's along the great circle.
func ExampleSlerp() {
	a, b := infer.Latent(10, 100, 0), infer.Latent(11, 100, 0)
	var frames [][]float32
	for i := 0; i <= 4; i++ {
		frames = append(frames, infer.Slerp(a, b, float64(i)/4))
	}
	fmt.Println(len(frames), "latents, first == seed 10:", frames[0][0] == a[0])
	// Output: 5 latents, first == seed 10: true
}
