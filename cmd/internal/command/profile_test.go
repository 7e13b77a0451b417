package command

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// GOGAN_CPUPROFILE and GOGAN_MEMPROFILE make a command write pprof
// profiles (gzip'd protocol buffers) and change nothing else; a profile
// file that cannot be created stops the command before it runs, naming the
// variable and the file.
func TestProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	t.Setenv(CPUProfileEnv, cpu)
	t.Setenv(MemProfileEnv, mem)
	code, _, errs, seen := runTool(t)
	if code != 0 || seen == nil || !strings.Contains(errs, "3 images written") {
		t.Fatalf("with profiles: exit %d, ran %v, stderr %q", code, seen != nil, errs)
	}
	for _, p := range []string{cpu, mem} {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 20 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: %d bytes, %v; want a gzip'd pprof profile", filepath.Base(p), len(b), err)
		}
	}

	missing := filepath.Join(dir, "no", "such", "mem.pprof")
	t.Setenv(CPUProfileEnv, "")
	t.Setenv(MemProfileEnv, missing)
	code, _, errs, seen = runTool(t)
	if code != ExitFailure || seen != nil || !strings.Contains(errs, MemProfileEnv+"="+missing) {
		t.Errorf("unwritable profile: exit %d, ran %v, stderr %q; want exit 1 before running, naming the variable and file", code, seen != nil, errs)
	}
}
