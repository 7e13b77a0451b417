package main

import (
	"bufio"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const table = "recipe\tminutes\tsteps\tfid\tkid\n" +
	"classic\t3\t1645\t140.0\t298.9\n" +
	"classic\t1\t548\t368.1\t906.7\n" +
	"modern\t1\t548\t367.7\t1\n" +
	"modern\t10\t5484\t101.3\t1\n" +
	"lr\t1\t548\t200\t1\n"

func TestReadTableGroupsAndSorts(t *testing.T) {
	cs, err := readTable(bufio.NewReader(strings.NewReader(table)), "t.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[0].name != "classic" || cs[1].name != "modern" || cs[2].name != "lr" {
		t.Fatalf("curves %+v, want classic, modern, lr in table order", cs)
	}
	if cs[0].minutes[0] != 1 || cs[0].fid[0] != 368.1 || cs[0].minutes[1] != 3 || cs[0].fid[1] != 140 {
		t.Errorf("classic %v %v: want sorted by minutes with FIDs moved along", cs[0].minutes, cs[0].fid)
	}
}

func TestReadTableErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"recipe\tminutes\n", `no "fid" column`},
		{"recipe\tminutes\tfid\nx\t1\tabc\n", "t.tsv:2: fid \"abc\""},
		{"recipe\tminutes\tfid\nx\t1\n", "t.tsv:2: 2 fields, no fid"},
		{"", "empty table"},
	} {
		_, err := readTable(bufio.NewReader(strings.NewReader(c.in)), "t.tsv")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

// TestPlotDrawsEveryCurve writes the PNG and finds each curve's colour in it.
func TestPlotDrawsEveryCurve(t *testing.T) {
	dir := t.TempDir()
	tsv := filepath.Join(dir, "table.tsv")
	if err := os.WriteFile(tsv, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "fid.png")
	if err := run(tsv, out, "modern,classic"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	count := map[[3]uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			count[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
		}
	}
	// -recipes modern,classic: modern gets the first colour, classic the second.
	for i, name := range []string{"modern", "classic"} {
		c := palette[i]
		if n := count[[3]uint32{uint32(c.R), uint32(c.G), uint32(c.B)}]; n < 50 {
			t.Errorf("%s's colour %v: %d pixels, want a curve and a legend", name, c, n)
		}
	}
	if c := palette[2]; count[[3]uint32{uint32(c.R), uint32(c.G), uint32(c.B)}] != 0 {
		t.Errorf("lr was not picked but its colour is drawn")
	}
	if err := run(tsv, out, "nosuch"); err == nil || !strings.Contains(err.Error(), `no recipe "nosuch"`) {
		t.Errorf("-recipes nosuch: %v", err)
	}
}
