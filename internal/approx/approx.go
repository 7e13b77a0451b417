// Package approx compares numbers within a tolerance so that NaN never
// passes. The obvious check, max(worst, |a-b|) > tol, is false when a
// difference is NaN (NaN propagates through max and every comparison with
// NaN is false), so a forward pass that returns NaN would pass it. Every
// tolerance check in gogan's tests goes through here.
//
// The package imports only the standard library, so cgo and non-cgo tests
// alike can use it.
package approx

import (
	"math"
	"testing"
)

// Float is the element type of the compared slices.
type Float interface{ ~float32 | ~float64 }

// MaxDiff returns the largest |got[i]-want[i]| and its index. A NaN on either
// side, or infinities that do not cancel, make the result NaN or +Inf at the
// first such index; slices of different lengths give +Inf at index -1.
func MaxDiff[G, W Float](got []G, want []W) (worst float64, at int) {
	if len(got) != len(want) {
		return math.Inf(1), -1
	}
	at = -1
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			return d, i
		}
		if d > worst || at < 0 {
			worst, at = d, i
		}
	}
	return worst, at
}

// Within reports whether every |got[i]-want[i]| <= tol. NaN and
// mismatched lengths are never within.
func Within[G, W Float](got []G, want []W, tol float64) bool {
	worst, _ := MaxDiff(got, want)
	return worst <= tol
}

// Check fails t (without stopping it) unless got is within tol of want,
// naming what was compared, the worst difference and where it is. It
// logs the worst difference either way and returns whether it passed.
func Check[G, W Float](t testing.TB, what string, got []G, want []W, tol float64) bool {
	t.Helper()
	worst, at := MaxDiff(got, want)
	switch {
	case at < 0 && len(got) != len(want):
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return false
	case worst <= tol:
		t.Logf("%s: max |difference| %.3g (limit %g)", what, worst, tol)
		return true
	}
	t.Errorf("%s: max |difference| %.3g > %g at index %d (got %v, want %v)", what, worst, tol, at, got[at], want[at])
	return false
}

// Near reports whether |a-b| <= tol; false when either is NaN.
func Near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// NearRel reports whether |a-b| <= tol*max(1, |b|): an absolute tolerance
// for small values and a relative one for large; false when either is NaN.
func NearRel(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }
