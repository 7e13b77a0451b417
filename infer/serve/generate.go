package serve

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gogan/gan/infer"
)

// generate answers POST /v1/generate: it cuts the request into runs of at
// most s.chunk images, keeps the next run queued while the current one is
// encoded, and streams the result out run by run.
func (s *Server) generate(w http.ResponseWriter, r *http.Request) {
	rec := recordOf(r)
	p, err := s.parseRequest(r, w)
	if err != nil {
		var re *requestError
		if !errors.As(err, &re) {
			re = &requestError{http.StatusBadRequest, "", err.Error()}
		}
		rec.err = re.msg
		writeError(w, re)
		return
	}
	rec.n, rec.format = p.n, p.format
	ctx, cancel := context.WithTimeout(r.Context(), s.opt.Timeout)
	defer cancel()
	out, err := s.newOutput(w, p)
	if err != nil {
		rec.err = err.Error()
		writeError(w, &requestError{http.StatusInternalServerError, "", err.Error()})
		return
	}
	err = s.stream(ctx, p, out)
	switch {
	case err == nil:
		s.m.images.Add(float64(p.n))
		return
	case r.Context().Err() != nil:
		rec.err, rec.gone = "the client went away", true
		return
	}
	rec.err = err.Error()
	if out.started {
		// The status is sent: cut the response short, so that the client
		// sees a broken transfer rather than a short tar or .npy.
		panic(http.ErrAbortHandler)
	}
	var re *requestError
	switch {
	case errors.As(err, &re):
	case errors.Is(err, context.DeadlineExceeded):
		re = &requestError{http.StatusServiceUnavailable, "", fmt.Sprintf("the request did not finish within the server's timeout of %v", s.opt.Timeout)}
	case errors.Is(err, errStopped):
		re = &requestError{http.StatusServiceUnavailable, "", err.Error()}
	default:
		re = &requestError{http.StatusInternalServerError, "", err.Error()}
	}
	if re.status == http.StatusTooManyRequests || re.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeError(w, re)
}

// stream submits the request's runs and writes each as it finishes. At
// most two runs of the request are admitted at a time: the one being
// encoded and the next.
func (s *Server) stream(ctx context.Context, p *plan, out *output) error {
	var held []*job // admitted jobs not yet released
	defer func() {
		for _, j := range held {
			s.releaseWhenDone(j)
		}
	}()
	zdim := s.info.ZDim
	submit := func(start int) *job {
		end := min(start+s.chunk, p.n)
		var labels []int
		if p.labels != nil {
			labels = p.labels[start:end]
		}
		j := newJob(ctx, p.z[start*zdim:end*zdim], labels, end-start)
		held = append(held, j)
		s.m.queued.Add(float64(j.n))
		s.queue <- j
		return j
	}
	m := min(s.chunk, p.n)
	if !s.gate.tryAcquire(m) {
		return &requestError{http.StatusTooManyRequests, "",
			fmt.Sprintf("the queue is full (%d images admitted, the limit is %d); retry shortly", s.gate.inUse(), s.opt.QueueImages)}
	}
	s.m.admitted.Add(float64(m))
	cur := submit(0)
	var next *job
	for start := 0; start < p.n; start += s.chunk {
		nextStart := start + s.chunk
		if nextStart < p.n && next == nil {
			if m := min(s.chunk, p.n-nextStart); s.gate.tryAcquire(m) {
				s.m.admitted.Add(float64(m))
				next = submit(nextStart)
			}
		}
		select {
		case <-cur.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if cur.err != nil {
			return cur.err
		}
		err := out.write(p, cur, start)
		held = held[1:] // cur is always the oldest
		s.release(cur)
		if err != nil {
			return err
		}
		if nextStart < p.n && next == nil {
			// Nothing is held now, so waiting cannot block anyone's release.
			m := min(s.chunk, p.n-nextStart)
			if err := s.gate.acquire(ctx, m); err != nil {
				return err
			}
			s.m.admitted.Add(float64(m))
			next = submit(nextStart)
		}
		cur, next = next, nil
	}
	return out.finish(p)
}

func (s *Server) release(j *job) {
	s.gate.release(j.n)
	s.m.admitted.Sub(float64(j.n))
}

// releaseWhenDone releases a job's images once the batcher is through
// with it, without keeping the caller waiting.
func (s *Server) releaseWhenDone(j *job) {
	select {
	case <-j.done:
		s.release(j)
	default:
		go func() {
			<-j.done
			s.release(j)
		}()
	}
}

// output writes a response body in one of the formats.
type output struct {
	w       http.ResponseWriter
	info    infer.Info
	enc     infer.Encoder // png, jpeg, and the images of a tar
	ext     string
	tw      *tar.Writer // tar
	man     *infer.Manifest
	mtime   time.Time
	buf     []byte
	started bool // the status line is sent
}

func (s *Server) newOutput(w http.ResponseWriter, p *plan) (*output, error) {
	o := &output{w: w, info: s.info}
	if p.format != "npy" {
		newEnc, ext, err := infer.EncoderFor(p.image, p.quality)
		if err != nil {
			return nil, err
		}
		o.enc, o.ext = newEnc(), ext
	}
	return o, nil
}

// batch is job j's images as an infer.Batch: images start.. of the request.
func (o *output) batch(p *plan, j *job, start int) *infer.Batch {
	in := o.info
	b := &infer.Batch{Data: j.out, Shape: [4]int{j.n, in.Channels, in.Size, in.Width}, ValueRange: in.ValueRange}
	if p.seeds != nil {
		b.Seeds = p.seeds[start : start+j.n]
	}
	if p.labels != nil {
		b.Labels = p.labels[start : start+j.n]
	}
	return b
}

// start sends the status line and the headers of a streamed body.
func (o *output) start(p *plan) {
	if o.started {
		return
	}
	o.started = true
	h := o.w.Header()
	in := o.info
	switch p.format {
	case "npy":
		h.Set("Content-Type", "application/octet-stream")
		size := int64(len(infer.NpyHeader([4]int{p.n, in.Channels, in.Size, in.Width}))) + 4*int64(p.n*in.Channels*in.Size*in.Width)
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	case "tar":
		h.Set("Content-Type", "application/x-tar")
	}
	o.w.WriteHeader(http.StatusOK)
}

func (o *output) write(p *plan, j *job, start int) error {
	b := o.batch(p, j, start)
	var err error
	switch p.format {
	case "png", "jpeg":
		o.buf, err = o.enc(o.buf[:0], b, 0)
		if err != nil {
			return fmt.Errorf("encoding the image: %v", err)
		}
		h := o.w.Header()
		h.Set("Content-Type", "image/"+p.format)
		h.Set("Content-Length", strconv.Itoa(len(o.buf)))
		o.started = true
		_, err = o.w.Write(o.buf)
		return err
	case "npy":
		in := o.info
		if !o.started {
			o.start(p)
			if _, err := o.w.Write(infer.NpyHeader([4]int{p.n, in.Channels, in.Size, in.Width})); err != nil {
				return err
			}
		}
		o.buf = infer.AppendFloat32s(o.buf[:0], b.Data)
		_, err = o.w.Write(o.buf)
		return err
	}
	// tar: the images as gan-gen --out - writes them, manifest.csv last.
	if !o.started {
		o.start(p)
		o.tw = tar.NewWriter(o.w)
		o.man = infer.NewManifest("file")
		o.mtime = time.Now().Truncate(time.Second)
	}
	names := make([]string, b.Len())
	for i := range names {
		names[i] = infer.FileName(start+i, p.n, o.ext)
		o.buf, err = o.enc(o.buf[:0], b, i)
		if err != nil {
			return fmt.Errorf("encoding image %d: %v", start+i, err)
		}
		if err := o.member(names[i], o.buf); err != nil {
			return err
		}
	}
	o.man.AddBatch(b, names)
	return nil
}

func (o *output) member(name string, data []byte) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: o.mtime}
	if err := o.tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := o.tw.Write(data)
	return err
}

// finish ends a tar with its manifest and end marker.
func (o *output) finish(p *plan) error {
	if p.format != "tar" {
		return nil
	}
	if err := o.member(infer.ManifestName, o.man.Bytes()); err != nil {
		return err
	}
	return o.tw.Close()
}
