// Package rusage reads the process's own resource use for benchmarks: CPU
// time (steadier than wall time on a shared machine), minor page faults
// (fresh memory touched) and peak resident memory. Where the system has no
// getrusage (Windows) it reports that it cannot.
package rusage

// Usage is the process's resource use so far.
type Usage struct {
	CPUSeconds  float64 // user + system
	MinorFaults int64
	PeakMB      float64 // peak resident set size
}
