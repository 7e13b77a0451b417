package infer

import (
	"context"
	"fmt"
)

// SampleJob is a sampling run: which images, how they are encoded, and
// where they go.
type SampleJob struct {
	N      int    // images to make: images First..First+N-1 of the series
	Batch  int    // images per onnxruntime run (0: 256); at most N
	Series Series // which image is which: seeds or latents, and classes
	// First is the series index of the first image, and Of the images of
	// the whole run (0: First+N): a shard of a run writes its images with
	// the file names, seeds and labels the whole run gives them.
	First, Of int
	// Format is "png" (the default), "jpeg", or "npy": the raw tensors
	// stacked (N,C,H,W) in one StackedName.
	Format  string
	Quality int  // JPEG quality 1-100 (0: 90)
	Sink    Sink // where the images and manifest go; nil: nowhere (a sheet alone)
	// Sheet, when set, gets the job's first Sheet.Count images; SheetFile, when
	// set, is where it is written, as a PNG, once every image is made and
	// before the sink finishes (into a DirSink's staging folder when
	// SheetFile is in its folder).
	Sheet     *Sheet
	SheetFile string
	// Progress, when set, is called with the number of images each batch
	// adds, once it is written.
	Progress func(images int)
}

// Sample makes job.N images with g and writes them to job.Sink, listed in
// the manifest. One goroutine runs the generator while this one encodes
// (on all cores) and writes the batch before, with at most one finished
// batch waiting between them, so inference and encoding overlap and memory
// stays at three batches, which are recycled.
//
// It returns how many images reached the sink. On an error, or when ctx is
// cancelled (ctx.Err() is returned), the sink is left unfinished: the
// caller Aborts it, learning what is left.
func Sample(ctx context.Context, g *Generator, job SampleJob) (written int, err error) {
	in := g.Info()
	batch := job.Batch
	if batch <= 0 {
		batch = 256
	}
	batch = min(batch, max(job.N, 1))
	format, quality := job.Format, job.Quality
	if format == "" {
		format = "png"
	}
	if quality == 0 {
		quality = 90
	}
	var iw imageWriter
	switch {
	case job.Sink == nil:
	case format == "npy":
		nw, err := newNpyWriter(job.Sink, [4]int{job.N, in.Channels, in.Size, in.Width})
		if err != nil {
			return 0, err
		}
		iw = nw
	default:
		newEnc, ext, err := EncoderFor(format, quality)
		if err != nil {
			return 0, err
		}
		of := job.Of
		if of <= 0 {
			of = job.First + job.N
		}
		iw = newBatchWriter(job.Sink, newEnc, ext, of) // names count through the whole run
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		start int
		b     *Batch
	}
	results := make(chan result, 1)
	free := make(chan *Batch, 3)
	for range cap(free) {
		free <- &Batch{}
	}
	var genErr error
	go func() {
		defer close(results)
		end := job.First + job.N
		for start := job.First; start < end; start += batch {
			var b *Batch
			select {
			case b = <-free:
			case <-runCtx.Done():
				return
			}
			if err := g.GenerateInto(runCtx, b, job.Series.Request(start, min(batch, end-start), in.ZDim)); err != nil {
				genErr = err
				return
			}
			job.Series.keepSeeds(b, start)
			select {
			case results <- result{start, b}:
			case <-runCtx.Done():
				return
			}
		}
	}()
	sh := job.Sheet
	for r := range results {
		if err != nil {
			continue // drain, so the producer can finish
		}
		if iw != nil {
			err = iw.write(r.b, r.start)
		}
		if sh != nil {
			for i := 0; i < r.b.Len() && r.start-job.First+i < sh.Count; i++ {
				sh.Set(r.start-job.First+i, r.b.Image(i))
			}
		}
		free <- r.b
		if err != nil {
			cancel()
			continue
		}
		written += r.b.Len()
		if job.Progress != nil {
			job.Progress(r.b.Len())
		}
	}
	if err == nil {
		err = genErr // set before results was closed
	}
	if ctx.Err() != nil {
		return written, ctx.Err()
	}
	if err == nil && sh != nil && job.SheetFile != "" {
		path := job.SheetFile
		if d, ok := job.Sink.(*DirSink); ok {
			path = d.Redirect(path) // a sheet inside the folder is staged with it
		}
		err = writeInPlace(path, sh.PNG())
	}
	if err == nil && iw != nil {
		err = job.Sink.Finish(iw.list())
	}
	return written, err
}

// WalkJob is an interpolation: a walk from the series' image 0 to image 1
// ... to image N-1, in Steps steps per leg.
type WalkJob struct {
	N        int  // latents to walk through, at least 2
	Steps    int  // steps per leg, at least 1
	Slerp    bool // along the great circle instead of linearly
	Series   Series
	Batch    int // frames per onnxruntime run (0: 256)
	Progress func(frames int)
}

// Frames is the walk's frame count: Steps per leg and the last latent.
func (j WalkJob) Frames() int { return (j.N-1)*j.Steps + 1 }

// Interpolate makes the walk's frames with g, all of one class (the
// series' image 0's), and returns them as a sheet, one row per leg with
// both ends shown, and as an animated GIF.
func Interpolate(ctx context.Context, g *Generator, job WalkJob) (*Sheet, []byte, error) {
	if job.N < 2 || job.Steps < 1 {
		return nil, nil, fmt.Errorf("infer: a walk through %d latents in %d steps: want at least 2 latents and 1 step", job.N, job.Steps)
	}
	in := g.Info()
	mix := Lerp
	if job.Slerp {
		mix = Slerp
	}
	keys := make([][]float32, job.N)
	for k := range keys {
		keys[k] = job.Series.Latent(k, in.ZDim)
	}
	var frames [][]float32
	for leg := 0; leg+1 < job.N; leg++ {
		for j := 0; j < job.Steps; j++ {
			frames = append(frames, mix(keys[leg], keys[leg+1], float64(j)/float64(job.Steps)))
		}
	}
	frames = append(frames, keys[job.N-1])
	var labels []int
	if l := job.Series.Label(0); l >= 0 {
		labels = []int{l}
	}
	batch := job.Batch
	if batch <= 0 {
		batch = 256
	}
	k := job.Steps
	sh := NewSheet((job.N-1)*(k+1), k+1, in.Channels, in.Size, in.Width)
	anim := NewAnimation(len(frames))
	for start := 0; start < len(frames); start += batch {
		end := min(start+batch, len(frames))
		b, err := g.Generate(ctx, Request{Latents: frames[start:end], Labels: labels})
		if err != nil {
			return nil, nil, err
		}
		for i := 0; i < b.Len(); i++ {
			f := start + i
			img := b.Image(i)
			anim.Add(img)
			// Frame f is step f%K of leg f/K; a leg's last column is the next
			// leg's first frame.
			leg, step := f/k, f%k
			if leg < job.N-1 {
				sh.Set(leg*(k+1)+step, img)
			}
			if step == 0 && leg > 0 {
				sh.Set((leg-1)*(k+1)+k, img)
			}
		}
		if job.Progress != nil {
			job.Progress(b.Len())
		}
	}
	gif, err := anim.GIF()
	if err != nil {
		return nil, nil, err
	}
	return sh, gif, nil
}

// WriteFile writes data to path through a temporary file beside it, renamed
// into place (gan-gen's interpolation.png and .gif).
func WriteFile(path string, data []byte) error {
	return writeInPlace(path, data)
}
