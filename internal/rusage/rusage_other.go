//go:build !unix

package rusage

// Self reports false: this system has no getrusage.
func Self() (Usage, bool) { return Usage{}, false }
