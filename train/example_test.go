package train_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogan/gan/train"
	"github.com/gogan/gan/train/nn"
	"github.com/gogan/gan/train/tensor"
)

// Training custom networks from Go: any nn.Module pair becomes a GAN with
// train.Plain, and TrainStep runs one round of D and G updates.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	// G: 8-d noise -> a 2-d point; D: a 2-d point -> a logit.
	g := nn.NewSequential(nn.NewLinear(8, 32, true, rng), nn.NewReLU(), nn.NewLinear(32, 2, true, rng))
	d := nn.NewSequential(nn.NewLinear(2, 32, true, rng), nn.NewLeakyReLU(0.2), nn.NewLinear(32, 1, true, rng))
	gan, err := train.NewGAN(train.Plain{Module: g}, train.Plain{Module: d}, nil, train.Hyper{
		Loss: train.NonSaturating, ZDim: 8, LrG: 1e-3, LrD: 1e-3, Beta1: 0.5, Beta2: 0.999,
	}, 42)
	if err != nil {
		panic(err)
	}
	// Real data: points on a ring of radius 2.
	data := rand.New(rand.NewPCG(3, 4))
	next := func() train.Batch {
		x := tensor.Zeros(64, 2)
		for i := 0; i < 64; i++ {
			a := data.Float64() * 6.2832
			x.Data[2*i], x.Data[2*i+1] = float32(2*math.Cos(a)), float32(2*math.Sin(a))
		}
		return train.Batch{X: x}
	}
	var st train.Stats
	for i := 0; i < 200; i++ {
		st = gan.TrainStep(next)
	}
	z, _ := gan.Noise(4)
	var pts *tensor.Tensor
	tensor.NoGrad(func() { pts = gan.G.Generate(z, nil) })
	fmt.Println("steps:", gan.Step, "finite:", st.Finite(), "samples:", pts.Shape())
	// Output: steps: 200 finite: true samples: [4 2]
}
