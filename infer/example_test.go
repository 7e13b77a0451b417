package infer_test

import (
	"archive/tar"
	"context"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

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

// A pipeline writing 1,000 PNGs into a folder with a manifest and a
// contact sheet: image i from seed 100+i, the classes in turn. The folder
// appears, complete, only when the last file is in.
func ExampleSample() {
	g, err := infer.Open("testdata/gen_cond.onnx")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	tmp, err := os.MkdirTemp("", "samples")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out")

	sink, err := infer.NewDirSink(out, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	in := g.Info()
	job := infer.SampleJob{
		N:         1000,
		Series:    infer.SeriesFor(g, 100),
		Sink:      sink,
		Sheet:     infer.NewSheet(64, 8, in.Channels, in.Size, in.Width),
		SheetFile: filepath.Join(tmp, "sheet.png"),
	}
	n, err := infer.Sample(context.Background(), g, job)
	if err != nil {
		fmt.Println(err, sink.Abort())
		return
	}
	files, _ := os.ReadDir(out)
	manifest, _ := os.ReadFile(filepath.Join(out, infer.ManifestName))
	lines := strings.Split(string(manifest), "\n")
	fmt.Println(n, "images,", len(files), "files:", files[0].Name(), "...", files[999].Name(), files[1000].Name())
	fmt.Println(lines[0], lines[1], lines[2], lines[1000])
	// Output:
	// 1000 images, 1001 files: 000000.png ... 000999.png manifest.csv
	// file,seed,label 000000.png,100,0 000001.png,101,1 000999.png,1099,0
}

// Output named as gan-gen's --out names it (a folder, FILE.tar, FILE.npy
// or - for stdout), one shard of a run split four ways: this process
// writes images 250-499 of 1,000, named and seeded as the whole run would.
func ExampleOpenOutput() {
	g, err := infer.Open("testdata/gen_gray.onnx")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	tmp, err := os.MkdirTemp("", "samples")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(tmp)
	name := filepath.Join(tmp, "shard1.tar")

	kind, err := infer.OutputKindOf(name)
	if err == nil {
		err = infer.CheckOutput(kind, name, false)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	o, err := infer.OpenOutput(kind, name, os.Stdout, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	first, count := infer.ShardRange(1, 4, 1000)
	job := infer.SampleJob{N: count, First: first, Of: 1000, Series: infer.SeriesFor(g, 0), Sink: o.Sink}
	if _, err := infer.Sample(context.Background(), g, job); err != nil {
		fmt.Println(err, o.Sink.Abort())
		return
	}
	f, _ := os.Open(name)
	defer f.Close()
	tr := tar.NewReader(f)
	var names []string
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		names = append(names, h.Name)
	}
	fmt.Println(len(names), "files:", names[0], "...", names[249], names[250])
	// Output: 251 files: 000250.png ... 000499.png manifest.csv
}
