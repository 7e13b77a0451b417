package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gogan/gan/infer"
)

// generate makes images p.first.. (p.count of them, all p.n unless
// --shard) through infer.Sample, which overlaps inference with encoding,
// and reports on stderr.
func generate(ctx context.Context, stderr io.Writer, g *infer.Generator, p *plan) error {
	s, where := p.o.Sink, " to "+p.out
	switch p.kind {
	case infer.OutputNone:
		where = ""
	case infer.OutputStdout:
		where = " to stdout (tar)"
	}
	in := g.Info()
	if p.format == "npy" && (p.kind == infer.OutputDir || p.kind == infer.OutputTar) {
		where = " to " + filepath.Join(p.out, stackedName)
	} else if p.format == "npy" && p.kind == infer.OutputStdout {
		where = " to stdout (a tar holding " + stackedName + ")"
	}
	fmt.Fprintf(stderr, "gan-gen: %d images from %s (%s, %dx%d, z_dim %d) on %s, batch %d, %s%s%s\n",
		p.count, g.Name(), in.Kind, in.Size, in.Width, in.ZDim, g.Provider(), p.batch, p.source(p.first, p.count), p.shardNote(), where)
	prog := newProgress(stderr, p.count)
	job := infer.SampleJob{N: p.count, First: p.first, Of: p.n, Batch: p.batch, Series: p.series,
		Format: p.format, Quality: p.quality, Sink: s, SheetFile: p.grid, Progress: prog.add}
	if p.grid != "" {
		job.Sheet = infer.NewSheet(min(p.count, maxGrid), 0, in.Channels, in.Size, in.Width)
	}
	written, err := infer.Sample(ctx, g, job)
	if ctx.Err() != nil || err != nil {
		prog.End()
		return p.failed(ctx, err, s, written, where)
	}
	msg := fmt.Sprintf("wrote %d %s images%s", p.count, p.format, where)
	if p.format == "npy" {
		msg = fmt.Sprintf("wrote %d images as one (%d,%d,%d,%d) float32 array%s", p.count, p.count, in.Channels, in.Size, in.Width, where)
	}
	switch {
	case job.Sheet != nil && s == nil:
		msg = fmt.Sprintf("generated %d images; grid of %d in %s", p.count, job.Sheet.Count, p.grid)
	case job.Sheet != nil:
		msg += fmt.Sprintf("; grid of %d in %s", job.Sheet.Count, p.grid)
	}
	prog.done(msg)
	return nil
}

// failed drops an unfinished output and says what became of it: an
// interrupted run's error says how far it got and what --out now holds.
func (p *plan) failed(ctx context.Context, err error, s infer.Sink, written int, where string) error {
	leftover := ""
	if s != nil {
		leftover = s.Abort()
	}
	if ctx.Err() == nil {
		if leftover != "" {
			return fmt.Errorf("%w (the unfinished output is in %s)", err, leftover)
		}
		return err
	}
	switch {
	case s == nil:
		return fmt.Errorf("%w after %d of %d images; nothing was written", errInterrupted, written, p.count)
	case leftover != "":
		return fmt.Errorf("%w after %d of %d images; the unfinished output, without %s, is in %s", errInterrupted, written, p.count, manifestName, leftover)
	case p.o.Dir != nil && p.o.Dir.Staged() && p.o.Dir.Replacing():
		return fmt.Errorf("%w after %d of %d images; %s still holds the previous output", errInterrupted, written, p.count, p.out)
	case p.o.Dir != nil && p.o.Dir.Staged():
		return fmt.Errorf("%w after %d of %d images; nothing was written to %s", errInterrupted, written, p.count, p.out)
	case p.o.Existed:
		return fmt.Errorf("%w after %d of %d images; %s still holds the previous output", errInterrupted, written, p.count, p.out)
	case p.kind == infer.OutputNpy || p.kind == infer.OutputTar:
		return fmt.Errorf("%w after %d of %d images; nothing was written to %s", errInterrupted, written, p.count, p.out)
	}
	return fmt.Errorf("%w: %d of %d images written%s and no %s, so the output reads as incomplete", errInterrupted, written, p.count, where, manifestName)
}

// interpolate walks from seed S to S+1 ... to S+n-1 in p.interpolate steps
// per leg, writing the frames as a grid (one row per leg, both ends shown)
// and as an animated GIF.
func interpolate(ctx context.Context, stderr io.Writer, g *infer.Generator, p *plan) error {
	in := g.Info()
	how := "linear"
	if p.slerp {
		how = "spherical"
	}
	job := infer.WalkJob{N: p.n, Steps: p.interpolate, Slerp: p.slerp, Series: p.series, Batch: p.batch}
	class := ""
	if l := p.series.Label(0); l >= 0 {
		class = fmt.Sprintf(", class %d (%s)", l, in.Classes[l])
	}
	fmt.Fprintf(stderr, "gan-gen: %s interpolation through %s, %d steps each (%d frames) from %s%s on %s\n",
		how, p.source(0, p.n), p.interpolate, job.Frames(), g.Name(), class, g.Provider())
	prog := newProgress(stderr, job.Frames())
	job.Progress = prog.add
	sh, gif, err := infer.Interpolate(ctx, g, job)
	if err != nil {
		prog.End()
		if ctx.Err() != nil {
			return fmt.Errorf("%w; nothing was written", errInterrupted)
		}
		return err
	}
	pngPath, gifPath := filepath.Join(p.out, "interpolation.png"), filepath.Join(p.out, "interpolation.gif")
	if err := infer.WriteFile(pngPath, sh.PNG()); err != nil {
		return err
	}
	if err := infer.WriteFile(gifPath, gif); err != nil {
		return err
	}
	prog.done(fmt.Sprintf("wrote %s and %s (%d frames)", pngPath, gifPath, job.Frames()))
	return nil
}
