package serve

import (
	"context"
	"sync"
)

// gate admits images up to a capacity: a counting semaphore whose holders
// are the images between admission and the end of their encoding.
type gate struct {
	mu   sync.Mutex
	used int
	cap  int
	wake chan struct{} // closed, and replaced, whenever images are released
}

func newGate(capacity int) *gate { return &gate{cap: capacity, wake: make(chan struct{})} }

// tryAcquire admits n images if they fit now.
func (g *gate) tryAcquire(n int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.used+n > g.cap {
		return false
	}
	g.used += n
	return true
}

// acquire waits until n images fit, or ctx is done.
func (g *gate) acquire(ctx context.Context, n int) error {
	for {
		g.mu.Lock()
		if g.used+n <= g.cap {
			g.used += n
			g.mu.Unlock()
			return nil
		}
		wake := g.wake
		g.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (g *gate) release(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.used -= n
	if g.used < 0 {
		panic("serve: gate released more images than it admitted")
	}
	close(g.wake)
	g.wake = make(chan struct{})
}

func (g *gate) inUse() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.used
}
