package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// Training runs the collector at trainGCPercent, and a GOGC of the user's
// is left alone.
func TestTightenGC(t *testing.T) {
	saved := debug.SetGCPercent(100)
	defer debug.SetGCPercent(saved)

	t.Setenv("GOGC", "200")
	if prev := tightenGC(); prev != -1 || debug.SetGCPercent(100) != 100 {
		t.Errorf("with GOGC set: tightenGC returned %d and changed the setting", prev)
	}
	debug.SetGCPercent(100)

	t.Setenv("GOGC", "") // restores the variable after the test
	os.Unsetenv("GOGC")
	if prev := tightenGC(); prev != 100 {
		t.Errorf("tightenGC replaced %d, want the default 100", prev)
	}
	if got := debug.SetGCPercent(100); got != trainGCPercent {
		t.Errorf("GC percent %d while training, want %d", got, trainGCPercent)
	}
}
