package approx

import (
	"fmt"
	"math"
	"testing"
)

// failer is a testing.TB that records Errorf instead of failing the test.
type failer struct {
	testing.TB
	errs []string
}

func (f *failer) Helper()                   {}
func (f *failer) Logf(string, ...any)       {}
func (f *failer) Errorf(s string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(s, a...)) }

// NaN anywhere, an infinity against a finite value, a length mismatch or
// a difference over the limit fail; equal or close values pass.
func TestCheckNaNNeverPasses(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name      string
		got, want []float32
		pass      bool
	}{
		{"equal", []float32{1, 2, 3}, []float32{1, 2, 3}, true},
		{"close", []float32{1, 2, 3}, []float32{1, 2 + 5e-5, 3}, true},
		{"far", []float32{1, 2, 3}, []float32{1, 2.1, 3}, false},
		{"NaN got", []float32{1, nan, 3}, []float32{1, 2, 3}, false},
		{"NaN first", []float32{nan, 2, 3}, []float32{1, 2, 3}, false},
		{"NaN want", []float32{1, 2, 3}, []float32{1, 2, nan}, false},
		{"NaN both", []float32{nan}, []float32{nan}, false},
		{"Inf", []float32{1, inf}, []float32{1, 2}, false},
		{"Inf both", []float32{inf}, []float32{inf}, false},
		{"shorter", []float32{1, 2}, []float32{1, 2, 3}, false},
		{"empty", nil, nil, true},
	}
	for _, c := range cases {
		f := &failer{}
		if got := Check(f, c.name, c.got, c.want, 1e-4); got != c.pass || (len(f.errs) == 0) != c.pass {
			t.Errorf("%s: Check = %v with errors %q, want pass %v", c.name, got, f.errs, c.pass)
		}
		if got := Within(c.got, c.want, 1e-4); got != c.pass {
			t.Errorf("%s: Within = %v, want %v", c.name, got, c.pass)
		}
	}
	if w, at := MaxDiff([]float64{0, 1, 5}, []float32{0, 2, 1}); w != 4 || at != 2 {
		t.Errorf("MaxDiff = %v at %d, want 4 at 2", w, at)
	}
	if Near(math.NaN(), 1, 1) || NearRel(1, math.NaN(), 1) || !NearRel(1000, 1000.5, 1e-3) || NearRel(1, 1.5, 1e-3) {
		t.Error("Near/NearRel let NaN through or misjudge a relative tolerance")
	}
}
