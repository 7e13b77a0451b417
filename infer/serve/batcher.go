package serve

import (
	"context"
	"errors"
	"time"

	"github.com/gogan/gan/infer"
)

// job is one run's worth of a request: n latents (and labels) in, n images
// out. The batcher fills out (or sets err) and closes done exactly once.
type job struct {
	ctx    context.Context // the request's: a job whose request is gone is skipped
	n      int
	z      []float32 // (n, z_dim)
	labels []int     // n labels, or nil for an unconditional model
	out    []float32 // (n,C,H,W), written by the batcher
	err    error
	done   chan struct{}
}

func newJob(ctx context.Context, z []float32, labels []int, n int) *job {
	return &job{ctx: ctx, n: n, z: z, labels: labels, done: make(chan struct{})}
}

// errStopped fails jobs still waiting when the server stops.
var errStopped = errors.New("the server is shutting down")

// batcher merges queued jobs into onnxruntime runs of at most maxBatch
// images: it takes the first job, then whatever arrives within maxWait
// while the batch has room, runs it, and hands each job its rows. It is
// the only caller of the generator, so runs never compete for the cores.
type batcher struct {
	g        *infer.Generator
	maxBatch int
	maxWait  time.Duration
	queue    chan *job
	m        *metrics
	chw      int
	hook     func(size int) // called before each run; tests hold runs with it

	// Reused from run to run: the merged latents, labels and output.
	z      []float32
	labels []int
	out    infer.Batch
}

// loop runs batches until stop is closed, then fails the jobs left.
func (b *batcher) loop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	var carry *job // a job that did not fit in the last batch
	timer := time.NewTimer(0)
	<-timer.C
	for {
		first := carry
		carry = nil
		if first == nil {
			select {
			case first = <-b.queue:
			case <-stop:
				b.failQueued()
				return
			}
		}
		batch := b.admit(nil, first)
		size := b.size(batch)
		timer.Reset(b.maxWait)
	collect:
		for size < b.maxBatch {
			select {
			case j := <-b.queue:
				if size+j.n > b.maxBatch {
					carry = j
					break collect
				}
				batch = b.admit(batch, j)
				size += j.n
			case <-timer.C:
				break collect
			case <-stop:
				break collect
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		b.run(batch, size)
	}
}

// admit adds j to the batch unless its request is gone, in which case j
// is finished with the request's error.
func (b *batcher) admit(batch []*job, j *job) []*job {
	b.m.queued.Sub(float64(j.n))
	if err := j.ctx.Err(); err != nil {
		j.err = err
		close(j.done)
		return batch
	}
	return append(batch, j)
}

func (b *batcher) size(batch []*job) int {
	n := 0
	for _, j := range batch {
		n += j.n
	}
	return n
}

// run generates one merged batch and splits it back into its jobs.
func (b *batcher) run(batch []*job, size int) {
	if len(batch) == 0 {
		return
	}
	b.z = b.z[:0]
	b.labels = b.labels[:0]
	for _, j := range batch {
		b.z = append(b.z, j.z...)
		b.labels = append(b.labels, j.labels...)
	}
	req := infer.Request{Z: b.z}
	if len(b.labels) > 0 {
		req.Labels = b.labels
	}
	if b.hook != nil {
		b.hook(size)
	}
	start := time.Now()
	// The run is not tied to any one request: the others in the batch still
	// want their images.
	err := b.g.GenerateInto(context.Background(), &b.out, req)
	b.m.runSeconds.Observe(time.Since(start).Seconds())
	b.m.batchSize.Observe(float64(size))
	off := 0
	for _, j := range batch {
		if err != nil {
			j.err = err
		} else {
			j.out = append(j.out[:0], b.out.Data[off*b.chw:(off+j.n)*b.chw]...)
		}
		off += j.n
		close(j.done)
	}
}

// failQueued finishes the jobs still queued when the server stops.
func (b *batcher) failQueued() {
	for {
		select {
		case j := <-b.queue:
			b.m.queued.Sub(float64(j.n))
			j.err = errStopped
			close(j.done)
		default:
			return
		}
	}
}
