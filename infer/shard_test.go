package infer

import "testing"

// TestShardRange: the shards tile 0..total-1 in order, sizes within one.
func TestShardRange(t *testing.T) {
	for _, c := range []struct{ n, total int }{{1, 5}, {3, 10}, {4, 4}, {7, 100}, {8, 1_000_003}, {1000, 5_000_000_000}} {
		next, lo, hi := 0, c.total, 0
		for k := range c.n {
			first, count := ShardRange(k, c.n, c.total)
			if first != next {
				t.Fatalf("%d shards of %d: shard %d starts at %d; want %d", c.n, c.total, k, first, next)
			}
			next += count
			lo, hi = min(lo, count), max(hi, count)
		}
		if next != c.total || hi-lo > 1 {
			t.Errorf("%d shards of %d cover %d images, sizes %d-%d", c.n, c.total, next, lo, hi)
		}
	}
	if first, count := ShardRange(2, 3, 10); first != 6 || count != 4 {
		t.Errorf("shard 2/3 of 10: images %d.. (%d); want 6.. (4), as README says", first, count)
	}
}

func TestParseShard(t *testing.T) {
	for spec, want := range map[string][2]int{"0/1": {0, 1}, "3/4": {3, 4}, "0/1000": {0, 1000}} {
		k, n, err := ParseShard(spec)
		if err != nil || k != want[0] || n != want[1] {
			t.Errorf("ParseShard(%q) = %d, %d, %v; want %v", spec, k, n, err, want)
		}
	}
	for _, spec := range []string{"", "1", "4/4", "-1/4", "1/0", "a/2", "1/b", "1/2/3", " 1/2"} {
		if _, _, err := ParseShard(spec); err == nil {
			t.Errorf("ParseShard(%q) succeeded; want an error", spec)
		}
	}
}
