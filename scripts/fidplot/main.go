// Command fidplot draws the recipe table's FID over training time: it reads
// scripts/recipes.sh's table.tsv (recipe, minutes, steps, fid, ...) and
// writes one PNG with a curve per recipe, FID (log scale) against minutes
// of training on a quiet 2-core machine. `make recipes-plot` calls it.
//
//	fidplot [-o docs/recipes-fid.png] [-recipes a,b,c] runs/recipes/table.tsv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"

	"github.com/gogan/gan/internal/atomicfile"
)

func main() {
	out := flag.String("o", "docs/recipes-fid.png", "PNG `FILE` to write")
	only := flag.String("recipes", "", "comma-separated recipe `NAMES` to draw, in this order (default: every recipe in the table, in table order)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: fidplot [-o FILE.png] [-recipes a,b] TABLE.tsv")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *out, *only); err != nil {
		fmt.Fprintf(os.Stderr, "fidplot: %v\n", err)
		os.Exit(1)
	}
}

func run(table, out, only string) error {
	f, err := os.Open(table)
	if err != nil {
		return fmt.Errorf("%w (make recipes writes it)", err)
	}
	defer f.Close()
	curves, err := readTable(bufio.NewReader(f), table)
	if err != nil {
		return err
	}
	if curves, err = pick(curves, only); err != nil {
		return err
	}
	img := plot(curves, 720, 420)
	return atomicfile.Write(out, func(w io.Writer) error { return png.Encode(w, img) })
}
