package tensor

import "fmt"

// broadcastShape returns the NumPy broadcast of shapes a and b.
func broadcastShape(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(fmt.Sprintf("tensor: %s: shapes %v and %v do not broadcast", op, a, b))
		}
	}
	return out
}

// bstrides returns the element strides of a contiguous tensor of shape s
// viewed as the broadcast shape out: zero along broadcast dimensions.
func bstrides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(s) - len(out) + i
		if j < 0 || s[j] == 1 {
			st[i] = 0
		} else {
			st[i] = acc
		}
		if j >= 0 {
			acc *= s[j]
		}
	}
	return st
}

// coalesce merges adjacent dimensions that every stride set walks as one,
// so that (N,C,H,W) + (1,C,1,1) becomes (N,C,H*W) with strides (0,1,0).
func coalesce(shape []int, strides ...[]int) ([]int, [][]int) {
	sh := []int{}
	st := make([][]int, len(strides))
	for i, d := range shape {
		if d == 1 {
			continue
		}
		sh = append(sh, d)
		for j := range strides {
			st[j] = append(st[j], strides[j][i])
		}
		if n := len(sh); n >= 2 {
			merge := true
			for j := range strides {
				if st[j][n-2] != st[j][n-1]*sh[n-1] {
					merge = false
					break
				}
			}
			if merge {
				sh[n-2] *= sh[n-1]
				sh = sh[:n-1]
				for j := range strides {
					st[j][n-2] = st[j][n-1]
					st[j] = st[j][:n-1]
				}
			}
		}
	}
	if len(sh) == 0 {
		sh = []int{1}
		for j := range st {
			st[j] = []int{0}
		}
	}
	return sh, st
}

// walk calls f(offA, offB, offOut, n) for each innermost run of a broadcast
// iteration over shape, where a and b advance by sa, sb per element in the
// run and out is contiguous.
func walk(shape []int, stA, stB []int, f func(oa, ob, oo, n, sa, sb int)) {
	sh, st := coalesce(shape, stA, stB)
	last := len(sh) - 1
	n := sh[last]
	sa, sb := st[0][last], st[1][last]
	outer := 1
	for _, d := range sh[:last] {
		outer *= d
	}
	idx := make([]int, last)
	oa, ob := 0, 0
	for o := 0; o < outer; o++ {
		f(oa, ob, o*n, n, sa, sb)
		for k := last - 1; k >= 0; k-- {
			idx[k]++
			oa += st[0][k]
			ob += st[1][k]
			if idx[k] < sh[k] {
				break
			}
			oa -= st[0][k] * sh[k]
			ob -= st[1][k] * sh[k]
			idx[k] = 0
		}
	}
}
