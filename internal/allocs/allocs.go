// Package allocs measures heap allocation for the fuzz targets, which must
// not let the sizes that outside bytes announce decide what gets allocated.
package allocs

import "runtime/metrics"

// FuzzLimit bounds what reading one fuzz input may allocate, beyond the
// input itself.
const FuzzLimit = 64 << 20

// During returns the bytes allocated on the heap while f ran. It reads
// runtime/metrics, which does not stop the world as ReadMemStats does, so
// fuzzing keeps its speed; small allocations may show late, large ones (what
// the limits are about) show at once.
func During(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}
