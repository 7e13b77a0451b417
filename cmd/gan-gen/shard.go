package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// Sharded runs: --shard K/N writes images [K*n/N, (K+1)*n/N) of a run of n,
// with the file names, seeds, labels and bytes the unsharded run gives
// them, so that N shards together are that run. --shard-from-env N takes K
// from the environment of an array job.

// shardEnv are the variables --shard-from-env reads K from, in order:
// Kubernetes' Indexed Job index, then Slurm's job array task.
var shardEnv = []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"}

// shardRange is shard k of n's images among total: [k*total/n,
// (k+1)*total/n), so shard sizes differ by at most one and the shards tile
// 0..total-1 in order.
func shardRange(k, n, total int) (first, count int) {
	first = int(int64(k) * int64(total) / int64(n))
	end := int(int64(k+1) * int64(total) / int64(n))
	return first, end - first
}

// shardFromFlags reads --shard or --shard-from-env and sets the images
// this run writes: all of them without either.
func (p *plan) shardFromFlags(c *cli.Context) error {
	p.first, p.count = 0, p.n
	spec, envN := c.String("shard"), c.Int("shard-from-env")
	var k, n int
	switch {
	case spec != "" && c.IsSet("shard-from-env"):
		return usage("--shard and --shard-from-env both say which shard this is: give one")
	case spec != "":
		ks, ns, ok := strings.Cut(spec, "/")
		var err1, err2 error
		k, err1 = strconv.Atoi(ks)
		n, err2 = strconv.Atoi(ns)
		if !ok || err1 != nil || err2 != nil || n < 1 || k < 0 || k >= n {
			return usage("--shard %s: want K/N, shard K of N counted from 0 (0/4 ... 3/4)", spec)
		}
	case c.IsSet("shard-from-env"):
		if envN < 1 {
			return usage("--shard-from-env %d: give the number of shards N (at least 1)", envN)
		}
		var err error
		if k, err = shardIndexFromEnv(envN); err != nil {
			return err
		}
		n = envN
	default:
		return nil
	}
	flag := "--shard " + spec
	if spec == "" {
		flag = fmt.Sprintf("--shard-from-env %d", n)
	}
	switch {
	case p.interpolate > 0:
		return usage("%s: --interpolate makes one sheet and one GIF; it cannot be split into shards", flag)
	case p.grid != "":
		return usage("%s: --grid shows the first images of a whole run; make it from one unsharded run", flag)
	case p.n < n:
		return usage("%s: -n %d is fewer images than shards; use at most %d shards", flag, p.n, p.n)
	}
	p.first, p.count = shardRange(k, n, p.n)
	p.shard = fmt.Sprintf("%d/%d", k, n)
	return nil
}

// shardIndexFromEnv reads this shard's K from the first of shardEnv that
// is set. A Slurm array numbered from SLURM_ARRAY_TASK_MIN (--array=1-8,
// say) counts from there.
func shardIndexFromEnv(n int) (int, error) {
	for _, name := range shardEnv {
		v, ok := os.LookupEnv(name)
		if !ok {
			continue
		}
		k, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, usage("--shard-from-env: %s=%q is not a number", name, v)
		}
		from := ""
		if name == "SLURM_ARRAY_TASK_ID" {
			if m, ok := os.LookupEnv("SLURM_ARRAY_TASK_MIN"); ok {
				taskMin, err := strconv.Atoi(strings.TrimSpace(m))
				if err != nil {
					return 0, usage("--shard-from-env: SLURM_ARRAY_TASK_MIN=%q is not a number", m)
				}
				k -= taskMin
				from = fmt.Sprintf(" minus SLURM_ARRAY_TASK_MIN=%d", taskMin)
			}
		}
		if k < 0 || k >= n {
			return 0, usage("--shard-from-env %d: %s=%s%s is shard %d, outside 0-%d; the array needs exactly %d tasks", n, name, v, from, k, n-1, n)
		}
		return k, nil
	}
	return 0, usage("--shard-from-env: neither %s (a Kubernetes Indexed Job) nor %s (a Slurm job array) is set; give --shard K/N instead",
		shardEnv[0], shardEnv[1])
}

// shardNote describes the shard in the run's first line.
func (p *plan) shardNote() string {
	if p.shard == "" {
		return ""
	}
	return fmt.Sprintf(", shard %s: images %d-%d of %d", p.shard, p.first, p.first+p.count-1, p.n)
}
