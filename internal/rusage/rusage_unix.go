//go:build unix

package rusage

import (
	"runtime"
	"syscall"
)

// Self returns the process's resource use, and false when it cannot be read.
func Self() (Usage, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return Usage{}, false
	}
	peak := float64(ru.Maxrss) / 1024 // KiB on Linux and the BSDs
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		peak /= 1024 // bytes on macOS
	}
	return Usage{
		CPUSeconds:  float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9,
		MinorFaults: int64(ru.Minflt),
		PeakMB:      peak,
	}, true
}
