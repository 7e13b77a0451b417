package main

import (
	"image"
	"image/color"

	"github.com/gogan/gan/train"
)

// palette colours the curves in table order; it repeats past its end.
var palette = []color.RGBA{
	{200, 40, 40, 255}, {30, 90, 200, 255}, {20, 140, 60, 255}, {150, 60, 170, 255},
	{230, 130, 0, 255}, {0, 150, 160, 255}, {110, 110, 110, 255}, {170, 120, 60, 255},
	{20, 20, 20, 255}, {230, 80, 160, 255}, {120, 140, 0, 255}, {60, 50, 140, 255},
}

// plot draws FID against minutes, both on log scales (FID spans 400 to
// tens; snapshots are at 1, 3, 10, 30 minutes).
func plot(cs []curve, w, h int) *image.RGBA {
	series := make([]train.Series, len(cs))
	for i, c := range cs {
		series[i] = train.Series{Name: c.name, Color: palette[i%len(palette)], X: c.minutes, Y: c.fid}
	}
	opt := train.PlotOptions{Title: "FID (LeNet features, 10,000 samples; lower is better)", LogX: true, LogY: true,
		XLabel: "minutes of training (2 cores)"}
	return train.PlotLinesWith(opt, w, h, series...)
}
