package tensor

import (
	"runtime"
	"testing"
)

// A free list hands back what was put, of at least the capacity asked for,
// keeps it through garbage collections (what a sync.Pool would not), and
// keeps at most freeListMax buffers.
func TestFreeList(t *testing.T) {
	var l freeList
	if p := l.get(1); p != nil {
		t.Fatalf("an empty list gave a buffer of %d", cap(*p))
	}
	small, big := make([]float32, 10), make([]float32, 100)
	l.put(&small)
	l.put(&big)
	runtime.GC()
	runtime.GC()
	if p := l.get(50); p != &big {
		t.Fatalf("get(50) = %v, want the 100-float buffer kept through two collections", p)
	}
	if p := l.get(50); p != nil {
		t.Fatalf("get(50) gave a buffer of capacity %d", cap(*p))
	}
	if p := l.get(10); p != &small {
		t.Fatalf("get(10) = %v, want the 10-float buffer", p)
	}
	for range freeListMax + 5 {
		b := make([]float32, 1)
		l.put(&b)
	}
	if n := len(l.bufs); n != freeListMax {
		t.Errorf("the list keeps %d buffers, want at most %d", n, freeListMax)
	}
}
