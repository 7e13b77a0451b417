package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gogan/gan/infer"
)

// generate makes images p.first.. (p.count of them) in batches. One goroutine runs the generator
// while this one encodes and writes the batch before, with at most one
// finished batch waiting between them, so inference and encoding overlap and
// memory stays at three batches, which are recycled.
func generate(ctx context.Context, stdout, stderr io.Writer, g *infer.Generator, p *plan) error {
	s, where := p.sink, " to "+p.out
	switch p.kind {
	case outNone:
		where = ""
	case outStdout:
		s, where = newTarSink(stdout), " to stdout (tar)"
	}
	in := g.Info()
	if p.format == "npy" && (p.kind == outDir || p.kind == outTar) {
		where = " to " + filepath.Join(p.out, stackedName)
	} else if p.format == "npy" && p.kind == outStdout {
		where = " to stdout (a tar holding " + stackedName + ")"
	}
	fmt.Fprintf(stderr, "gan-gen: %d images from %s (%s, %dx%d, z_dim %d) on %s, batch %d, %s%s%s\n",
		p.count, g.Name(), in.Kind, in.Size, in.Width, in.ZDim, g.Provider(), p.batch, p.source(p.first, p.count), p.shardNote(), where)
	var sh *sheet
	if p.grid != "" {
		sh = newSheet(min(p.count, maxGrid), 0, in.Channels, in.Size, in.Width)
	}
	var iw imageWriter
	switch {
	case s == nil:
	case p.format == "npy":
		nw, err := newNpyWriter(s, [4]int{p.count, in.Channels, in.Size, in.Width})
		if err != nil {
			return p.failed(ctx, err, s, 0, where)
		}
		iw = nw
	default:
		newEnc, ext, err := infer.EncoderFor(p.format, p.quality)
		if err != nil {
			return p.failed(ctx, err, s, 0, where)
		}
		iw = newBatchWriter(s, newEnc, ext, p.n) // names count through the whole run, shards included
	}
	prog := newProgress(stderr, p.count)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		start int
		b     *infer.Batch
	}
	results := make(chan result, 1)
	free := make(chan *infer.Batch, 3)
	for range cap(free) {
		free <- &infer.Batch{}
	}
	var genErr error
	go func() {
		defer close(results)
		end := p.first + p.count
		for start := p.first; start < end; start += p.batch {
			var b *infer.Batch
			select {
			case b = <-free:
			case <-runCtx.Done():
				return
			}
			if err := g.GenerateInto(runCtx, b, p.request(start, min(p.batch, end-start))); err != nil {
				genErr = err
				return
			}
			p.keepSeeds(b, start)
			select {
			case results <- result{start, b}:
			case <-runCtx.Done():
				return
			}
		}
	}()
	var err error
	written := 0
	for r := range results {
		if err != nil {
			continue // drain, so the producer can finish
		}
		if iw != nil {
			err = iw.write(r.b, r.start)
		}
		if sh != nil {
			for i := 0; i < r.b.Len() && r.start+i < sh.count; i++ { // no --grid with --shard: start is the index
				sh.set(r.start+i, r.b.Image(i))
			}
		}
		free <- r.b
		if err != nil {
			cancel()
			continue
		}
		written += r.b.Len()
		prog.add(r.b.Len())
	}
	if err == nil {
		err = genErr // set before results was closed
	}
	if err == nil && ctx.Err() == nil && sh != nil {
		grid := p.grid
		if p.dir != nil {
			grid = p.dir.redirect(grid) // a sheet inside --out is staged with it
		}
		err = writeAtomic(grid, sh.png())
	}
	if err == nil && ctx.Err() == nil && s != nil {
		err = s.finish(iw.list())
	}
	if ctx.Err() != nil || err != nil {
		prog.stop()
		return p.failed(ctx, err, s, written, where)
	}
	msg := fmt.Sprintf("wrote %d %s images%s", p.count, p.format, where)
	if p.format == "npy" {
		msg = fmt.Sprintf("wrote %d images as one (%d,%d,%d,%d) float32 array%s", p.count, p.count, in.Channels, in.Size, in.Width, where)
	}
	switch {
	case sh != nil && s == nil:
		msg = fmt.Sprintf("generated %d images; grid of %d in %s", p.count, sh.count, p.grid)
	case sh != nil:
		msg += fmt.Sprintf("; grid of %d in %s", sh.count, p.grid)
	}
	prog.done(msg)
	return nil
}

// failed drops an unfinished output and says what became of it: an
// interrupted run's error says how far it got and what --out now holds.
func (p *plan) failed(ctx context.Context, err error, s sink, written int, where string) error {
	leftover := ""
	if s != nil {
		leftover = s.abort()
	}
	if ctx.Err() == nil {
		if leftover != "" {
			return fmt.Errorf("%w (the unfinished output is in %s)", err, leftover)
		}
		return err
	}
	switch {
	case s == nil:
		return fmt.Errorf("%w after %d of %d images; nothing was written", errInterrupted, written, p.count)
	case leftover != "":
		return fmt.Errorf("%w after %d of %d images; the unfinished output, without %s, is in %s", errInterrupted, written, p.count, manifestName, leftover)
	case p.dir != nil && p.dir.staged && p.dir.replace:
		return fmt.Errorf("%w after %d of %d images; %s still holds the previous output", errInterrupted, written, p.count, p.out)
	case p.dir != nil && p.dir.staged:
		return fmt.Errorf("%w after %d of %d images; nothing was written to %s", errInterrupted, written, p.count, p.out)
	case p.file != nil && p.file.existed:
		return fmt.Errorf("%w after %d of %d images; %s still holds the previous output", errInterrupted, written, p.count, p.out)
	case p.file != nil:
		return fmt.Errorf("%w after %d of %d images; nothing was written to %s", errInterrupted, written, p.count, p.out)
	}
	return fmt.Errorf("%w: %d of %d images written%s and no %s, so the output reads as incomplete", errInterrupted, written, p.count, where, manifestName)
}

// request is the Generate request for images start..start+m-1: seed S+i,
// and the class of image i.
func (p *plan) request(start, m int) infer.Request {
	req := infer.Request{Seeds: make([]uint64, m), Truncation: p.truncation}
	if p.lat.active() {
		req = p.latentRequest(start, m)
	}
	for i := range req.Seeds {
		req.Seeds[i] = p.seed + uint64(start+i)
	}
	if p.classes > 0 {
		req.Labels = make([]int, m)
		for i := range req.Labels {
			req.Labels[i] = p.labelOf(start + i)
		}
	}
	return req
}

// batchWriter encodes batches on all cores and hands the files to a sink,
// listing them in the manifest. Each encoding goroutine keeps its encoder
// and output buffer from batch to batch.
type batchWriter struct {
	s    sink
	encs []infer.Encoder
	bufs [][]byte
	ext  string
	n    int // images in the run, for the file names
	man  *infer.Manifest
}

func newBatchWriter(s sink, newEnc func() infer.Encoder, ext string, n int) *batchWriter {
	w := &batchWriter{s: s, ext: ext, n: n, man: infer.NewManifest("file")}
	for range runtime.GOMAXPROCS(0) {
		w.encs = append(w.encs, newEnc())
	}
	w.bufs = make([][]byte, len(w.encs))
	return w
}

func (w *batchWriter) list() []byte { return w.man.Bytes() }

// write encodes batch b, images start.. of the run. A sink that takes
// concurrent writes gets each file as soon as it is encoded; otherwise the
// files are handed over afterwards in index order.
func (w *batchWriter) write(b *infer.Batch, start int) error {
	names := make([]string, b.Len())
	for i := range names {
		names[i] = infer.FileName(start+i, w.n, w.ext)
	}
	var data [][]byte
	if !w.s.concurrent() {
		data = make([][]byte, b.Len())
	}
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		failed.Store(true)
	}
	for k := range min(len(w.encs), b.Len()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := w.encs[k]
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= b.Len() {
					return
				}
				buf, err := enc(w.bufs[k][:0], b, i)
				w.bufs[k] = buf
				if err != nil {
					fail(fmt.Errorf("encoding image %d: %v", start+i, err))
					return
				}
				if data != nil {
					data[i] = bytes.Clone(buf)
				} else if err := w.s.put(names[i], buf); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	for i, name := range names {
		if data != nil {
			if err := w.s.put(name, data[i]); err != nil {
				return err
			}
		}
	}
	w.man.AddBatch(b, names)
	return nil
}

// interpolate walks from seed S to S+1 ... to S+n-1 in p.interpolate steps
// per leg, writing the frames as a grid (one row per leg, both ends shown)
// and as an animated GIF.
func interpolate(ctx context.Context, stderr io.Writer, g *infer.Generator, p *plan) error {
	in := g.Info()
	mix, how := infer.Lerp, "linear"
	if p.slerp {
		mix, how = infer.Slerp, "spherical"
	}
	keys := make([][]float32, p.n)
	for k := range keys {
		keys[k] = p.latent(k)
	}
	var frames [][]float32
	for leg := 0; leg+1 < p.n; leg++ {
		for j := 0; j < p.interpolate; j++ {
			frames = append(frames, mix(keys[leg], keys[leg+1], float64(j)/float64(p.interpolate)))
		}
	}
	frames = append(frames, keys[p.n-1])
	var labels []int
	class := ""
	if p.classes > 0 {
		labels = []int{max(p.label, 0)}
		class = fmt.Sprintf(", class %d (%s)", labels[0], in.Classes[labels[0]])
	}
	fmt.Fprintf(stderr, "gan-gen: %s interpolation through %s, %d steps each (%d frames) from %s%s on %s\n",
		how, p.source(0, p.n), p.interpolate, len(frames), g.Name(), class, g.Provider())
	prog := newProgress(stderr, len(frames))
	sh := newSheet((p.n-1)*(p.interpolate+1), p.interpolate+1, in.Channels, in.Size, in.Width)
	anim := newAnimation(len(frames))
	for start := 0; start < len(frames); start += p.batch {
		end := min(start+p.batch, len(frames))
		b, err := g.Generate(ctx, infer.Request{Latents: frames[start:end], Labels: labels})
		if err != nil {
			prog.stop()
			if ctx.Err() != nil {
				return fmt.Errorf("%w; nothing was written", errInterrupted)
			}
			return err
		}
		for i := 0; i < b.Len(); i++ {
			f := start + i
			img := b.Image(i)
			anim.add(img)
			// Frame f is step f%K of leg f/K; a leg's last column is the next
			// leg's first frame.
			leg, step := f/p.interpolate, f%p.interpolate
			if leg < p.n-1 {
				sh.set(leg*(p.interpolate+1)+step, img)
			}
			if step == 0 && leg > 0 {
				sh.set((leg-1)*(p.interpolate+1)+p.interpolate, img)
			}
		}
		prog.add(b.Len())
	}
	gif, err := anim.encode()
	if err != nil {
		return err
	}
	pngPath, gifPath := filepath.Join(p.out, "interpolation.png"), filepath.Join(p.out, "interpolation.gif")
	if err := writeAtomic(pngPath, sh.png()); err != nil {
		return err
	}
	if err := writeAtomic(gifPath, gif); err != nil {
		return err
	}
	prog.done(fmt.Sprintf("wrote %s and %s (%d frames)", pngPath, gifPath, len(frames)))
	return nil
}
