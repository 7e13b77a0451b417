package main

import (
	"os"
	"runtime/debug"
)

// trainGCPercent is the collector's target while training: the heap may
// grow by a quarter of its live size before a collection, not by all of it
// (Go's default, GOGC=100). A step's big buffers are recycled (the tensor
// arena, the scratch and packing lists), so the heap's live size stays flat
// and a step leaves little garbage; at the default a long run's resident
// memory drifted toward twice its live size (436 MB at the end of the
// 10000-step `make pretrained` run, about 170 MB live). At 25 a classic run
// of 400 steps peaks at 212 MB instead of 239, collecting 11 times instead
// of 5, about a millisecond each (the heap is mostly pointer-free float
// slices). Being relative to the live size, it needs no retuning for a
// phase that holds more (evaluation, export).
const trainGCPercent = 25

// tightenGC sets trainGCPercent unless the user chose with GOGC; it
// returns the setting it replaced, or -1 when it left GOGC's alone.
func tightenGC() int {
	if _, set := os.LookupEnv("GOGC"); set {
		return -1
	}
	return debug.SetGCPercent(trainGCPercent)
}
