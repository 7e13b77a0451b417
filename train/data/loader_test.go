package data

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// indexSet is a Dataset whose image i holds i + position/1000, so a batch reveals
// which images it holds and in which layout.
type indexSet struct{ n int }

func (d indexSet) Name() string         { return "index" }
func (d indexSet) Len() int             { return d.n }
func (d indexSet) Shape() (c, h, w int) { return 2, 1, 3 }
func (d indexSet) NumClasses() int      { return 7 }
func (d indexSet) ClassNames() []string { return []string{"a", "b", "c", "d", "e", "f", "g"} }
func (d indexSet) Label(i int) int      { return i % 7 }
func (d indexSet) Image(i int, dst []float32) {
	for j := range dst {
		dst[j] = float32(i) + float32(j)/1000
	}
}

// batchIndices decodes the image indices of b, checking layout and labels.
func batchIndices(t *testing.T, b Batch) []int {
	t.Helper()
	if len(b.Images) != b.N*6 || len(b.Labels) != b.N {
		t.Fatalf("batch of %d has %d values and %d labels", b.N, len(b.Images), len(b.Labels))
	}
	idx := make([]int, b.N)
	for k := range b.N {
		idx[k] = int(b.Images[k*6])
		for j, v := range b.Images[k*6 : (k+1)*6] {
			if v != float32(idx[k])+float32(j)/1000 {
				t.Fatalf("image %d of batch: value %d is %v", k, j, v)
			}
		}
		if b.Labels[k] != idx[k]%7 {
			t.Fatalf("image %d of batch: label %d, want %d", idx[k], b.Labels[k], idx[k]%7)
		}
	}
	return idx
}

// record describes the next n batches of l, one string per batch.
func record(t *testing.T, l *Loader, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		b := l.Next()
		out[i] = fmt.Sprintf("e%d i%d last=%v %v", b.Epoch, b.Index, b.Last, batchIndices(t, b))
	}
	return out
}

func newLoader(t *testing.T, ds Dataset, opt LoaderOptions) *Loader {
	t.Helper()
	l, err := NewLoader(ds, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func TestShuffleGolden(t *testing.T) {
	// Pinned: changing the shuffle would silently change the data order of every
	// resumed checkpoint.
	p := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	Shuffle(p, 1, 0)
	if want := []int{4, 0, 1, 7, 6, 9, 3, 5, 2, 8}; !slices.Equal(p, want) {
		t.Errorf("Shuffle(seed 1, epoch 0) = %v, want %v", p, want)
	}
	seen := map[string]bool{}
	for seed := range uint64(4) {
		for epoch := range 4 {
			p := make([]int, 50)
			for i := range p {
				p[i] = i
			}
			Shuffle(p, seed, epoch)
			if !slices.Equal(slices.Sorted(slices.Values(p)), seqInts(50)) {
				t.Fatalf("seed %d epoch %d: not a permutation: %v", seed, epoch, p)
			}
			seen[fmt.Sprint(p)] = true
		}
	}
	if len(seen) != 16 {
		t.Errorf("16 (seed, epoch) pairs gave %d distinct orders", len(seen))
	}
}

func seqInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestLoaderEpochs(t *testing.T) {
	for _, drop := range []bool{false, true} {
		l := newLoader(t, indexSet{10}, LoaderOptions{BatchSize: 4, DropLast: drop, Seed: 3})
		sizes, perEpoch := []int{4, 4, 2}, 10
		if drop {
			sizes, perEpoch = []int{4, 4}, 8
		}
		if l.BatchesPerEpoch() != len(sizes) {
			t.Errorf("drop=%v: %d batches per epoch, want %d", drop, l.BatchesPerEpoch(), len(sizes))
		}
		for epoch := range 3 {
			var all []int
			for i, size := range sizes {
				b := l.Next()
				if b.N != size || b.Epoch != epoch || b.Index != i || b.Last != (i == len(sizes)-1) {
					t.Fatalf("drop=%v epoch %d batch %d: N=%d epoch=%d index=%d last=%v", drop, epoch, i, b.N, b.Epoch, b.Index, b.Last)
				}
				all = append(all, batchIndices(t, b)...)
			}
			slices.Sort(all)
			if len(slices.Compact(all)) != perEpoch {
				t.Errorf("drop=%v epoch %d: %d distinct images, want %d", drop, epoch, len(all), perEpoch)
			}
			if s := l.State(); s.Epoch != epoch+1 || s.Pos != 0 {
				t.Errorf("drop=%v: state after epoch %d is %+v, want the start of epoch %d", drop, epoch, s, epoch+1)
			}
		}
	}
}

func TestLoaderDeterministic(t *testing.T) {
	opt := LoaderOptions{BatchSize: 3, Seed: 42}
	a := record(t, newLoader(t, indexSet{11}, opt), 20)
	b := record(t, newLoader(t, indexSet{11}, opt), 20)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different batches:\n%q\n%q", a, b)
	}
	opt.Seed = 43
	if c := record(t, newLoader(t, indexSet{11}, opt), 20); slices.Equal(a, c) {
		t.Error("seeds 42 and 43 gave the same batches")
	}
	// The order of epoch e is Shuffle(seed, e) whatever came before.
	l := newLoader(t, indexSet{11}, LoaderOptions{BatchSize: 11, Seed: 42})
	for e := range 4 {
		want := seqInts(11)
		Shuffle(want, 42, e)
		if got := batchIndices(t, l.Next()); !slices.Equal(got, want) {
			t.Errorf("epoch %d: order %v, want %v", e, got, want)
		}
	}
	seq := newLoader(t, indexSet{5}, LoaderOptions{BatchSize: 5, Seed: 42, Sequential: true})
	for range 2 {
		if got := batchIndices(t, seq.Next()); !slices.Equal(got, seqInts(5)) {
			t.Errorf("sequential order %v", got)
		}
	}
}

func TestLoaderResume(t *testing.T) {
	for _, drop := range []bool{false, true} {
		opt := LoaderOptions{BatchSize: 4, DropLast: drop, Seed: 7}
		// Batch 2 is an epoch's last without DropLast; 5 ends one with it.
		for _, k := range []int{0, 1, 2, 3, 5, 6} {
			a := newLoader(t, indexSet{10}, opt)
			record(t, a, k)
			s := a.State()
			want := record(t, a, 9)

			other := opt
			other.Seed = 999 // Restore takes the seed from the state
			b := newLoader(t, indexSet{10}, other)
			record(t, b, 2) // and overrides any position
			if err := b.Restore(s); err != nil {
				t.Fatal(err)
			}
			if got := record(t, b, 9); !slices.Equal(got, want) {
				t.Errorf("drop=%v, restored at batch %d (%+v):\n got %q\nwant %q", drop, k, s, got, want)
			}
			// Rewinding the same loader, and stopping and restarting it, change nothing.
			if err := a.Restore(s); err != nil {
				t.Fatal(err)
			}
			got := record(t, a, 4)
			a.Close()
			got = append(got, record(t, a, 5)...)
			if !slices.Equal(got, want) {
				t.Errorf("drop=%v: rewound at batch %d:\n got %q\nwant %q", drop, k, got, want)
			}
		}
	}
}

func TestLoaderRestoreErrors(t *testing.T) {
	l := newLoader(t, indexSet{10}, LoaderOptions{BatchSize: 4})
	for _, c := range []struct {
		s    LoaderState
		want string
	}{
		{LoaderState{Len: 9}, "state is for 9 images but dataset index has 10"},
		{LoaderState{Len: 10, Pos: 11}, "position 11 is outside"},
		{LoaderState{Len: 10, Epoch: -1}, "epoch -1"},
	} {
		if err := l.Restore(c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Restore(%+v): %v, want an error containing %q", c.s, err, c.want)
		}
	}
}

func TestNewLoaderErrors(t *testing.T) {
	for _, c := range []struct {
		ds   Dataset
		opt  LoaderOptions
		want string
	}{
		{indexSet{10}, LoaderOptions{}, "batch size 0"},
		{indexSet{0}, LoaderOptions{BatchSize: 1}, "dataset index is empty"},
		{indexSet{10}, LoaderOptions{BatchSize: 11, DropLast: true}, "batch size 11 is larger than dataset index (10 images)"},
	} {
		if _, err := NewLoader(c.ds, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewLoader(%+v): %v, want an error containing %q", c.opt, err, c.want)
		}
	}
	if l, err := NewLoader(indexSet{10}, LoaderOptions{BatchSize: 11}); err != nil || l.BatchesPerEpoch() != 1 {
		t.Errorf("batch larger than the data without DropLast: %v", err)
	}
}

func TestLoaderImages(t *testing.T) {
	pix := []uint8{0, 255, 10, 20, 30, 40}
	ds := NewImages("tiny", 1, 1, 2, pix, nil, nil)
	l := newLoader(t, ds, LoaderOptions{BatchSize: 3, Sequential: true})
	b := l.Next()
	for i, v := range b.Images {
		if want := float32(float64(pix[i])/127.5 - 1); v != want {
			t.Errorf("value %d = %v, want %v", i, v, want)
		}
	}
	if !slices.Equal(b.Labels, []int{-1, -1, -1}) {
		t.Errorf("unlabelled batch labels %v", b.Labels)
	}
}

// BenchmarkLoaderNext measures a 64-image MNIST-shaped batch through the prefetcher.
func BenchmarkLoaderNext(b *testing.B) {
	ds := NewImages("bench", 1, 28, 28, make([]uint8, 6400*784), nil, nil)
	l, err := NewLoader(ds, LoaderOptions{BatchSize: 64, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.SetBytes(64 * 784 * 4)
	for b.Loop() {
		l.Next()
	}
}
