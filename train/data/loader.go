package data

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// LoaderOptions configures NewLoader.
type LoaderOptions struct {
	BatchSize  int    // images per batch; required
	DropLast   bool   // skip an epoch's final short batch
	Seed       uint64 // the shuffle of epoch e is a pure function of (Seed, e)
	Sequential bool   // keep dataset order (evaluation) instead of shuffling
}

// LoaderState is a Loader's position: the next batch is taken from epoch Epoch's
// order starting at its Pos'th sample. Saved with a training checkpoint and passed
// to Restore, it resumes the exact sequence of batches, mid-epoch included. Len
// records the dataset size so that a changed dataset is caught on restore.
type LoaderState struct {
	Seed  uint64
	Epoch int
	Pos   int
	Len   int
}

// Batch is one batch of a Loader. Its slices belong to the Loader and stay
// valid until the next call to Next or Restore.
type Batch struct {
	Images []float32 // N images, (N,C,H,W), values in [-1,1]
	Labels []int     // N labels, -1 for unlabelled data
	N      int       // images in this batch: BatchSize, or fewer for an epoch's last
	Epoch  int       // the epoch this batch belongs to
	Index  int       // the batch's index within its epoch
	Last   bool      // this is the epoch's last batch
}

// Loader cuts a Dataset into shuffled batches, epoch after epoch without end.
// One batch is filled ahead on a background goroutine, so the next batch is ready
// while the caller trains on the current one; that changes no result, as the
// order is fixed by (Seed, epoch) alone. A Loader is not safe for concurrent use;
// Close it to stop the goroutine.
type Loader struct {
	ds   Dataset
	opt  LoaderOptions
	per  int         // values per image
	cur  LoaderState // position after the batches handed out so far
	held *Batch      // the batch the caller holds, recycled on the next call

	ready chan *Batch   // filled batches, in order
	free  chan *Batch   // buffers to fill
	stop  chan struct{} // closed to end the prefetcher
	done  chan struct{} // closed when the prefetcher has ended
}

// NewLoader returns a Loader over ds at epoch 0. It fails when ds is empty or when,
// with DropLast, an epoch would yield no batch.
func NewLoader(ds Dataset, opt LoaderOptions) (*Loader, error) {
	n := ds.Len()
	switch {
	case opt.BatchSize <= 0:
		return nil, fmt.Errorf("data: batch size %d is not positive", opt.BatchSize)
	case n == 0:
		return nil, fmt.Errorf("data: dataset %s is empty", ds.Name())
	case opt.DropLast && opt.BatchSize > n:
		return nil, fmt.Errorf("data: batch size %d is larger than dataset %s (%d images), so dropping the last short batch leaves none; use a smaller batch size",
			opt.BatchSize, ds.Name(), n)
	}
	c, h, w := ds.Shape()
	return &Loader{ds: ds, opt: opt, per: c * h * w, cur: LoaderState{Seed: opt.Seed, Len: n}}, nil
}

// BatchesPerEpoch is the number of batches in each epoch.
func (l *Loader) BatchesPerEpoch() int {
	n, b := l.cur.Len, l.opt.BatchSize
	if l.opt.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// State returns the position after the batches returned so far. After an epoch's
// last batch it points at the start of the next epoch, so State().Epoch counts
// completed epochs.
func (l *Loader) State() LoaderState { return l.cur }

// Restore moves the Loader to s, as returned by State, possibly of another Loader
// over the same data; the batches that follow are exactly those that followed
// when s was taken. Seed is taken from s.
func (l *Loader) Restore(s LoaderState) error {
	if s.Len != l.cur.Len {
		return fmt.Errorf("data: loader state is for %d images but dataset %s has %d; the sample order cannot be resumed",
			s.Len, l.ds.Name(), l.cur.Len)
	}
	if s.Epoch < 0 || s.Pos < 0 || s.Pos > s.Len {
		return fmt.Errorf("data: loader state epoch %d position %d is outside the %d images", s.Epoch, s.Pos, s.Len)
	}
	l.halt()
	l.opt.Seed = s.Seed
	l.cur = l.normalize(s)
	return nil
}

// Next returns the next batch, moving on to the next epoch after the last batch
// of one. The previous batch's slices are reused.
func (l *Loader) Next() Batch {
	if l.ready == nil {
		l.start()
	}
	if l.held != nil {
		l.free <- l.held
	}
	b := <-l.ready
	l.held = b
	l.cur = l.after(l.cur, b.N)
	return *b
}

// Close stops the background goroutine. The Loader may be used again afterwards;
// Next then restarts it.
func (l *Loader) Close() { l.halt() }

// start launches the prefetcher from the current position with two buffers:
// one the caller holds, one being filled.
func (l *Loader) start() {
	l.ready = make(chan *Batch, 1)
	l.free = make(chan *Batch, 2)
	l.stop = make(chan struct{})
	l.done = make(chan struct{})
	for range 2 {
		l.free <- &Batch{
			Images: make([]float32, l.opt.BatchSize*l.per),
			Labels: make([]int, l.opt.BatchSize),
		}
	}
	go l.prefetch(l.cur)
}

// halt ends the prefetcher, if running, and drops what it had filled.
func (l *Loader) halt() {
	if l.ready == nil {
		return
	}
	close(l.stop)
	<-l.done
	l.ready, l.free, l.stop, l.done, l.held = nil, nil, nil, nil, nil
}

// prefetch fills batches from position s onward until stopped. It owns s and
// the permutation; the caller only reads the filled batches.
func (l *Loader) prefetch(s LoaderState) {
	defer close(l.done)
	perm := make([]int, s.Len)
	permEpoch := -1
	for {
		var b *Batch
		select {
		case b = <-l.free:
		case <-l.stop:
			return
		}
		if permEpoch != s.Epoch {
			l.order(perm, s.Epoch)
			permEpoch = s.Epoch
		}
		b.N = min(l.opt.BatchSize, s.Len-s.Pos)
		b.Epoch, b.Index = s.Epoch, s.Pos/l.opt.BatchSize
		b.Images, b.Labels = b.Images[:b.N*l.per], b.Labels[:b.N]
		for j, idx := range perm[s.Pos : s.Pos+b.N] {
			l.ds.Image(idx, b.Images[j*l.per:(j+1)*l.per])
			b.Labels[j] = l.ds.Label(idx)
		}
		s = l.after(s, b.N)
		b.Last = s.Epoch != b.Epoch
		select {
		case l.ready <- b:
		case <-l.stop:
			return
		}
	}
}

// after is the position after consuming n samples at s.
func (l *Loader) after(s LoaderState, n int) LoaderState {
	s.Pos += n
	return l.normalize(s)
}

// normalize moves a position with no full batch left (or, without DropLast, no
// sample left) to the start of the next epoch.
func (l *Loader) normalize(s LoaderState) LoaderState {
	left := s.Len - s.Pos
	if left == 0 || (l.opt.DropLast && left < l.opt.BatchSize) {
		s.Epoch++
		s.Pos = 0
	}
	return s
}

// order writes epoch e's sample order into perm.
func (l *Loader) order(perm []int, e int) {
	for i := range perm {
		perm[i] = i
	}
	if !l.opt.Sequential {
		Shuffle(perm, l.opt.Seed, e)
	}
}

// Shuffle permutes p with the PCG stream of (seed, epoch): a Fisher-Yates shuffle
// written here, rather than rand.Shuffle, so that the order, and with it the
// resumption of old checkpoints, cannot change with the Go release.
func Shuffle(p []int, seed uint64, epoch int) {
	// Mixing both words keeps neighbouring seeds and epochs from giving PCG
	// neighbouring states, whose streams would be correlated.
	pcg := rand.NewPCG(mix64(seed), mix64(seed^mix64(uint64(epoch)+0x9e3779b97f4a7c15)))
	for i := len(p) - 1; i > 0; i-- {
		j := int(boundedUint64(pcg, uint64(i)+1))
		p[i], p[j] = p[j], p[i]
	}
}

// boundedUint64 returns a uniform value in [0, n) by Lemire's multiply-and-reject.
func boundedUint64(src rand.Source, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// mix64 is SplitMix64's finalizer, a bijection that scatters nearby inputs.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
