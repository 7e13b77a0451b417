package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gogan/gan/infer"
)

// Sharded runs: --shard K/N writes shard K of N of the run (see
// infer.ShardRange); --shard-from-env N takes K from the environment of an
// array job.

// shardEnv are the variables --shard-from-env reads K from, in order:
// Kubernetes' Indexed Job index, then Slurm's job array task.
var shardEnv = []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"}

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
		var err error
		if k, n, err = infer.ParseShard(spec); err != nil {
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
	p.first, p.count = infer.ShardRange(k, n, p.n)
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
