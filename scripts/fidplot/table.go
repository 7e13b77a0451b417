package main

import (
	"bufio"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// curve is one recipe's FID at each snapshot, in minutes' order.
type curve struct {
	name    string
	minutes []float64
	fid     []float64
}

// readTable parses table.tsv: a header naming at least recipe, minutes and
// fid, then one row per snapshot. Errors name the file and line.
func readTable(r *bufio.Reader, name string) ([]curve, error) {
	sc := bufio.NewScanner(r)
	col := map[string]int{}
	var order []string
	byName := map[string]*curve{}
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t")
		if line == 1 {
			for i, h := range fields {
				col[h] = i
			}
			for _, need := range []string{"recipe", "minutes", "fid"} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("%s: header has no %q column (want recipe, minutes, steps, fid, ...)", name, need)
				}
			}
			continue
		}
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		get := func(c string) (string, error) {
			i := col[c]
			if i >= len(fields) {
				return "", fmt.Errorf("%s:%d: %d fields, no %s", name, line, len(fields), c)
			}
			return fields[i], nil
		}
		rec, err := get("recipe")
		if err != nil {
			return nil, err
		}
		var vals [2]float64
		for k, c := range []string{"minutes", "fid"} {
			s, err := get(c)
			if err != nil {
				return nil, err
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || v < 0 {
				return nil, fmt.Errorf("%s:%d: %s %q is not a number >= 0", name, line, c, s)
			}
			vals[k] = v
		}
		cv := byName[rec]
		if cv == nil {
			cv = &curve{name: rec}
			byName[rec] = cv
			order = append(order, rec)
		}
		cv.minutes = append(cv.minutes, vals[0])
		cv.fid = append(cv.fid, vals[1])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%s: empty table", name)
	}
	out := make([]curve, 0, len(order))
	for _, n := range order {
		c := *byName[n]
		sort.Sort(byMinutes(c))
		out = append(out, c)
	}
	return out, nil
}

type byMinutes curve

func (c byMinutes) Len() int           { return len(c.minutes) }
func (c byMinutes) Less(i, j int) bool { return c.minutes[i] < c.minutes[j] }
func (c byMinutes) Swap(i, j int) {
	c.minutes[i], c.minutes[j] = c.minutes[j], c.minutes[i]
	c.fid[i], c.fid[j] = c.fid[j], c.fid[i]
}

// pick keeps the named curves, in the order named; "" keeps all.
func pick(cs []curve, only string) ([]curve, error) {
	if only == "" {
		return cs, nil
	}
	var out []curve
	for _, n := range strings.Split(only, ",") {
		found := false
		for _, c := range cs {
			if c.name == n {
				out, found = append(out, c), true
			}
		}
		if !found {
			return nil, fmt.Errorf("-recipes: no recipe %q in the table", n)
		}
	}
	return out, nil
}
