package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// The memory limit follows the live heap every memLimitEvery steps, and a
// GOMEMLIMIT of the user's is left alone.
func TestMemLimit(t *testing.T) {
	saved := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(saved)
	debug.SetMemoryLimit(math.MaxInt64)

	t.Setenv("GOMEMLIMIT", "1GiB")
	m := newMemLimit()
	m.step(memLimitEvery)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set the limit became %d", got)
	}

	ballast := make([]byte, 64<<20)
	m = &memLimit{on: true, sample: newMemLimit().sample}
	m.step(memLimitEvery - 1)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("before a due step the limit became %d", got)
	}
	m.step(memLimitEvery)
	got := debug.SetMemoryLimit(-1)
	if got < 64<<20+64<<20/4+memLimitSlack || got > 1<<30 {
		t.Errorf("limit %d with 64 MiB live: want the live heap plus a quarter plus %d", got, memLimitSlack)
	}
	runtime.KeepAlive(ballast)
}
