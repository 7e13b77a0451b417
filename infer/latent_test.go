package infer

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/approx"
)

func TestLatentDistribution(t *testing.T) {
	const n, dim = 2000, 16
	var sum, sq float64
	for s := uint64(0); s < n; s++ {
		for _, v := range Latent(s, dim, 0) {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
	}
	mean, variance := sum/(n*dim), sq/(n*dim)-(sum/(n*dim))*(sum/(n*dim))
	// 32000 draws: the mean's standard error is 0.0056, the variance's 0.008.
	if !approx.Near(mean, 0, 0.03) || !approx.Near(variance, 1, 0.04) {
		t.Errorf("latents have mean %.4f, variance %.4f; want N(0,1)", mean, variance)
	}
	a, b := Latent(42, dim, 0), Latent(42, dim, 0)
	long := Latent(42, dim*2, 0)
	for i := range a {
		if a[i] != b[i] || a[i] != long[i] {
			t.Fatal("Latent is not a pure function of the seed (or a longer latent is not an extension)")
		}
	}
	if c := Latent(43, dim, 0); c[0] == a[0] && c[1] == a[1] {
		t.Error("seeds 42 and 43 share a latent")
	}
}

func TestTruncation(t *testing.T) {
	const T = 0.7
	redrawn := 0
	for s := uint64(0); s < 200; s++ {
		full, cut := Latent(s, 64, 0), Latent(s, 64, T)
		same := true
		for i, v := range cut {
			if math.Abs(float64(v)) > T {
				t.Fatalf("seed %d: |z[%d]| = %g > %g", s, i, v, T)
			}
			// Before the first redraw the two streams agree.
			if same && v != full[i] {
				same = false
				redrawn++
				if math.Abs(float64(full[i])) <= T {
					t.Fatalf("seed %d: entry %d changed although |%g| <= %g", s, i, full[i], T)
				}
			}
		}
	}
	if redrawn == 0 {
		t.Error("no entry was ever redrawn")
	}
	for _, bad := range []float64{-1, 0.01, math.Inf(1), math.NaN()} {
		if CheckTruncation(bad) == nil {
			t.Errorf("CheckTruncation(%g) accepted", bad)
		}
	}
	for _, ok := range []float64{0, MinTruncation, 0.5, 3} {
		if err := CheckTruncation(ok); err != nil {
			t.Errorf("CheckTruncation(%g): %v", ok, err)
		}
	}
}

func TestLerpSlerp(t *testing.T) {
	a, b := []float32{3, 0, 0}, []float32{0, 3, 0}
	for _, f := range []func(a, b []float32, t float64) []float32{Lerp, Slerp} {
		if got := f(a, b, 0); got[0] != 3 || got[1] != 0 {
			t.Errorf("t=0 gives %v", got)
		}
		if got := f(a, b, 1); !approx.Within(got, b, 1e-6) {
			t.Errorf("t=1 gives %v", got)
		}
	}
	mid := Slerp(a, b, 0.5)
	if n := math.Hypot(float64(mid[0]), float64(mid[1])); !approx.Near(n, 3, 1e-5) || !approx.Near(float64(mid[0]), float64(mid[1]), 1e-6) {
		t.Errorf("Slerp midpoint %v has norm %g; want norm 3 on the diagonal", mid, n)
	}
	if l := Lerp(a, b, 0.5); l[0] != 1.5 || l[1] != 1.5 {
		t.Errorf("Lerp midpoint %v", l)
	}
	if p := Slerp(a, []float32{6, 0, 0}, 0.5); !approx.Within(p, []float32{4.5, 0, 0}, 1e-6) {
		t.Errorf("Slerp of parallel vectors %v; want the Lerp 4.5", p)
	}
	defer func() {
		if recover() == nil {
			t.Error("Lerp of different lengths did not panic")
		}
	}()
	Lerp(a, b[:2], 0.5)
}

func TestResolveLibrary(t *testing.T) {
	root := t.TempDir()
	touch := func(p string) string {
		p = filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	repo := filepath.Join(root, "repo")
	touch("repo/go.mod")
	setup := touch("repo/third_party/onnxruntime/lib/libonnxruntime.so.1")
	deep := filepath.Join(repo, "cmd", "gan-gen")
	os.MkdirAll(deep, 0o755)
	custom := touch("custom/libonnxruntime.so.1")
	ld := touch("ld/libonnxruntime.so")
	installed := touch("prefix/lib/libonnxruntime.so.1")
	installedExe := filepath.Join(root, "prefix", "bin", "gan-gen")
	unversioned := touch("other/lib/libonnxruntime.so")
	outside := filepath.Join(root, "elsewhere")
	os.MkdirAll(outside, 0o755)

	cases := []struct {
		name string
		w    where
		want string // path, or error text
	}{
		{"option first", where{option: custom, env: "/nope", cwd: deep}, custom},
		{"option folder", where{option: filepath.Dir(custom), cwd: deep}, custom},
		{"env", where{env: custom, cwd: deep}, custom},
		{"walk up to go.mod", where{cwd: deep}, setup},
		{"beside the executable", where{cwd: outside, exe: filepath.Join(repo, "bin", "gan-gen")}, setup},
		{"install layout: the executable's ../lib", where{cwd: outside, exe: installedExe}, installed},
		{"install layout before the repository", where{cwd: deep, exe: installedExe}, installed},
		{"install layout, unversioned name", where{cwd: outside, exe: filepath.Join(root, "other", "bin", "tool")}, unversioned},
		{"env before the install layout", where{env: custom, exe: installedExe}, custom},
		{"LD_LIBRARY_PATH", where{cwd: outside, ldPath: filepath.Dir(ld)}, ld},
		{"missing option", where{option: filepath.Join(root, "no.so"), cwd: deep}, "WithLibrary=" + filepath.Join(root, "no.so") + ": no such file"},
		{"missing env", where{env: "/no/lib.so", cwd: deep}, "ONNXRUNTIME_LIB=/no/lib.so: no such file; run `make setup`"},
		{"empty folder", where{env: outside}, "a folder without"},
	}
	for _, c := range cases {
		got, err := resolveLibrary(c.w)
		if strings.HasPrefix(c.want, root) {
			if err != nil || got != c.want {
				t.Errorf("%s: got %q, %v; want %s", c.name, got, err, c.want)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrNoLibrary) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %q, %v; want an ErrNoLibrary mentioning %q", c.name, got, err, c.want)
		}
	}
	// Nothing anywhere (unless the system has one): the error says what to do.
	if p, err := resolveLibrary(where{cwd: outside}); err == nil {
		t.Logf("a system library was found at %s; the not-found message is not checked", p)
	} else if !strings.Contains(err.Error(), "make setup") || !strings.Contains(err.Error(), LibraryEnv) {
		t.Errorf("not-found error %q does not say to run make setup or set %s", err, LibraryEnv)
	}
}
