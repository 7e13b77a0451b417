package infer

import (
	"fmt"
	"strconv"
	"strings"
)

// A run of total images can be split into n shards, written by n processes
// (an array job): shard k writes images ShardRange(k, n, total) with
// SampleJob.First and Of set, so each image has the file name, seed, label
// and bytes the whole run gives it and the n outputs together are that run.

// ShardRange is shard k of n's images among total: first..first+count-1,
// from k*total/n to (k+1)*total/n, so shard sizes differ by at most one
// and the shards tile 0..total-1 in order.
func ShardRange(k, n, total int) (first, count int) {
	first = int(int64(k) * int64(total) / int64(n))
	end := int(int64(k+1) * int64(total) / int64(n))
	return first, end - first
}

// ParseShard reads "K/N", shard K of N counted from 0 (0/4 ... 3/4).
func ParseShard(spec string) (k, n int, err error) {
	ks, ns, ok := strings.Cut(spec, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 0 || k >= n {
		return 0, 0, fmt.Errorf("infer: shard %q: want K/N, shard K of N counted from 0 (0/4 ... 3/4)", spec)
	}
	return k, n, nil
}
