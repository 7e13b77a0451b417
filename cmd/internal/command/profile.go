package command

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// Profile environment variables: every gogan command, run with them set,
// writes a pprof profile (`go tool pprof FILE`), for the speed and memory
// work of issue 13 and for users who report a slow run.
const (
	// CPUProfileEnv names the file of a CPU profile of the whole run.
	CPUProfileEnv = "GOGAN_CPUPROFILE"
	// MemProfileEnv names the file of a heap profile written at the end of
	// the run: alloc_space counts every allocation of the run, inuse_space
	// what the last garbage collection found live (during the run's last
	// phase, near its peak for a training run).
	MemProfileEnv = "GOGAN_MEMPROFILE"
)

// startProfiles starts what the profile variables ask for and returns the
// function that finishes them. A profile file that cannot be created is an
// error naming the variable and the file; one that cannot be finished is a
// warning on stderr, as the run's own work is done by then.
func startProfiles(stderr io.Writer) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if path := os.Getenv(CPUProfileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return stop, fmt.Errorf("%s=%s: %v; name a file in a writable folder, or unset %s", CPUProfileEnv, path, err, CPUProfileEnv)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return stop, fmt.Errorf("%s=%s: %v", CPUProfileEnv, path, err)
		}
		stops = append(stops, func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				fmt.Fprintf(stderr, "warning: %s=%s: %v\n", CPUProfileEnv, path, err)
			}
		})
	}
	if path := os.Getenv(MemProfileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			stop()
			return func() {}, fmt.Errorf("%s=%s: %v; name a file in a writable folder, or unset %s", MemProfileEnv, path, err, MemProfileEnv)
		}
		stops = append(stops, func() {
			err := pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				fmt.Fprintf(stderr, "warning: %s=%s: %v\n", MemProfileEnv, path, err)
			}
		})
	}
	return stop, nil
}
