package tensor

import "sync"

// freeList keeps reusable float32 buffers. Unlike a sync.Pool it is not
// emptied by garbage collection: a collection every few training steps (a
// memory limit, GOMEMLIMIT, makes them that frequent) would otherwise throw
// away the step's megabytes of scratch and packing buffers each time, and
// the next step would allocate and fault them in again (7% of a DCGAN step's
// speed at GOMEMLIMIT=200MiB). It holds at most freeListMax buffers; more
// are left to the collector.
type freeList struct {
	mu   sync.Mutex
	bufs []*[]float32
}

// freeListMax bounds a list: the buffers of one size in use at once, one
// per worker and operand, are far fewer.
const freeListMax = 32

// get returns a kept buffer of capacity at least n, or nil.
func (l *freeList) get(n int) *[]float32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.bufs) - 1; i >= 0; i-- {
		if p := l.bufs[i]; cap(*p) >= n {
			l.bufs[i] = l.bufs[len(l.bufs)-1]
			l.bufs[len(l.bufs)-1] = nil
			l.bufs = l.bufs[:len(l.bufs)-1]
			return p
		}
	}
	return nil
}

// put keeps p for a later get.
func (l *freeList) put(p *[]float32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bufs) < freeListMax {
		l.bufs = append(l.bufs, p)
	}
}
