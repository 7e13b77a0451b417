package rusage

import (
	"runtime"
	"testing"
)

func TestSelf(t *testing.T) {
	u, ok := Self()
	if runtime.GOOS == "windows" {
		if ok {
			t.Error("Self read rusage on Windows")
		}
		return
	}
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	if !ok || u.CPUSeconds <= 0 || u.PeakMB <= 0 {
		t.Errorf("usage %+v, ok %v", u, ok)
	}
}
