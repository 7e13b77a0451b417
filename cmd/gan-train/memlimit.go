package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// memLimit keeps a training run's memory near what it uses. A step's big
// buffers are recycled (the tensor arena, scratch and packing lists), so
// the garbage a step leaves is small and the heap's live size stays flat;
// but Go's default collector lets the heap grow to twice the live size
// before it collects, and a long run's resident memory drifted there
// (435 MB at the end of the 10000-step `make pretrained` run, against about
// 170 MB live). Every memLimitEvery steps it sets a soft memory limit of
// the live heap plus a quarter plus memLimitSlack, so the collector runs
// once the garbage reaches that: every few dozen steps, about a
// millisecond each (the heap is mostly pointer-free float slices). A phase
// that needs more (evaluation, export) exceeds the soft limit briefly and
// the next update raises it. A GOMEMLIMIT in the environment is the user's
// and is left alone.
type memLimit struct {
	on, measured bool
	sample       []metrics.Sample
}

const (
	memLimitEvery = 50
	memLimitSlack = 48 << 20
)

func newMemLimit() *memLimit {
	_, set := os.LookupEnv("GOMEMLIMIT")
	return &memLimit{on: !set, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
}

// step updates the limit after step (1-based) when it is due.
func (m *memLimit) step(step int) {
	if !m.on || step%memLimitEvery != 0 {
		return
	}
	if !m.measured {
		// The live size is the last collection's, which may date from
		// before training allocated its buffers: measure it once.
		runtime.GC()
		m.measured = true
	}
	metrics.Read(m.sample)
	if m.sample[0].Value.Kind() != metrics.KindUint64 {
		m.on = false
		return
	}
	live := m.sample[0].Value.Uint64()
	if live == 0 || live > math.MaxInt64/2 {
		return
	}
	debug.SetMemoryLimit(int64(live + live/4 + memLimitSlack))
}
