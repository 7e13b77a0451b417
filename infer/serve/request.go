package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gogan/gan/infer"
)

// GenerateRequest is the JSON body of POST /v1/generate.
type GenerateRequest struct {
	// N is the number of images: 1 by default, len(Latents) with Latents.
	N *int `json:"n,omitempty"`
	// Seed: image i uses seed Seed+i, exactly as gan-gen --seed. 0 by default.
	Seed *uint64 `json:"seed,omitempty"`
	// Latents gives the latent vectors instead of seeds, z_dim values each.
	Latents [][]float32 `json:"latents,omitempty"`
	// Label is a class index or name for a conditional model; without it
	// image i has class i mod the number of classes, as in gan-gen.
	Label any `json:"label,omitempty"`
	// Truncation redraws seeded latent entries with |z| > Truncation (0: off).
	Truncation float64 `json:"truncation,omitempty"`
	// Format is png or jpeg (n = 1 only), tar (images and manifest.csv, as
	// gan-gen --out - writes) or npy (one (N,C,H,W) float32 array, as
	// gan-gen --out FILE.npy). Default: png for one image, tar for more.
	Format string `json:"format,omitempty"`
	// ImageFormat is the format of the images in a tar: png (default) or
	// jpeg.
	ImageFormat string `json:"image_format,omitempty"`
	// Quality is the JPEG quality, 1-100 (default 90).
	Quality *int `json:"quality,omitempty"`
}

// requestError is a bad request, answered with status and a JSON body
// naming the field.
type requestError struct {
	status int
	field  string
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func bad(field, format string, a ...any) *requestError {
	return &requestError{http.StatusBadRequest, field, fmt.Sprintf(format, a...)}
}

// plan is a checked request: everything the handler needs to generate and
// encode it.
type plan struct {
	n       int
	seeds   []uint64  // nil with latents
	z       []float32 // (n, z_dim)
	labels  []int     // n labels, nil for an unconditional model
	format  string    // png, jpeg, tar or npy
	image   string    // the image format: png or jpeg (tar, png, jpeg)
	quality int
}

// parseRequest reads and checks a request body against the model and the
// limits.
func (s *Server) parseRequest(r *http.Request, w http.ResponseWriter) (*plan, error) {
	body := http.MaxBytesReader(w, r.Body, s.opt.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var req GenerateRequest
	if err := dec.Decode(&req); err != nil {
		return nil, decodeError(err, s.opt.MaxBodyBytes)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, decodeError(err, s.opt.MaxBodyBytes)
		}
		return nil, bad("", "the body holds more than one JSON value")
	}
	return s.check(&req)
}

// decodeError turns a JSON decoding error into a request error naming the
// field where it can.
func decodeError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		return &requestError{http.StatusRequestEntityTooLarge, "", fmt.Sprintf("the body is over the limit of %d bytes", limit)}
	case errors.As(err, &te):
		return bad(te.Field, "%s: want %s, not a JSON %s", te.Field, te.Type, te.Value)
	case errors.As(err, &se):
		return bad("", "the body is not valid JSON: %v (at byte %d)", se, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bad("", "the body is not valid JSON: it ends inside a value")
	case errors.Is(err, io.EOF):
		return bad("", "empty body: send a JSON object such as {\"n\": 1, \"seed\": 42}")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return bad(f, "unknown field %q; the fields are n, seed, latents, label, truncation, format, image_format, quality", f)
	}
	return bad("", "the body is not a valid request: %v", err)
}

// check validates a decoded request and draws its latents.
func (s *Server) check(req *GenerateRequest) (*plan, error) {
	in := s.info
	p := &plan{format: req.Format, image: req.ImageFormat, quality: 90}
	switch {
	case req.Latents != nil:
		if req.Seed != nil {
			return nil, bad("latents", "give seed or latents, not both")
		}
		if req.Truncation != 0 {
			return nil, bad("truncation", "truncation applies to seeds; truncate given latents yourself")
		}
		p.n = len(req.Latents)
		if req.N != nil && *req.N != p.n {
			return nil, bad("n", "n is %d but latents holds %d vectors; leave n out", *req.N, p.n)
		}
		if p.n == 0 {
			return nil, bad("latents", "latents is empty; give at least one vector of %d values", in.ZDim)
		}
	case req.N != nil:
		p.n = *req.N
	default:
		p.n = 1
	}
	if p.n < 1 {
		return nil, bad("n", "n %d: must be at least 1", p.n)
	}
	if p.n > s.opt.MaxImages {
		return nil, bad("n", "n %d: this server gives at most %d images per request; split the request", p.n, s.opt.MaxImages)
	}
	if err := infer.CheckTruncation(req.Truncation); err != nil {
		return nil, bad("truncation", "truncation %g: want 0 (off) or at least %g, e.g. 0.7", req.Truncation, infer.MinTruncation)
	}
	if err := p.checkFormat(req); err != nil {
		return nil, err
	}
	label := -1
	if req.Label != nil {
		l, err := s.parseLabel(req.Label)
		if err != nil {
			return nil, err
		}
		label = l
	}
	p.z = make([]float32, p.n*in.ZDim)
	if req.Latents != nil {
		for i, l := range req.Latents {
			if len(l) != in.ZDim {
				return nil, bad(fmt.Sprintf("latents[%d]", i), "latents[%d] has %d values; the model's z_dim is %d", i, len(l), in.ZDim)
			}
			copy(p.z[i*in.ZDim:], l)
		}
	} else {
		var seed uint64
		if req.Seed != nil {
			seed = *req.Seed
		}
		p.seeds = make([]uint64, p.n)
		for i := range p.seeds {
			p.seeds[i] = seed + uint64(i)
			infer.LatentInto(p.z[i*in.ZDim:(i+1)*in.ZDim], p.seeds[i], req.Truncation)
		}
	}
	if in.Conditional {
		p.labels = make([]int, p.n)
		for i := range p.labels {
			p.labels[i] = label
			if label < 0 {
				p.labels[i] = i % len(in.Classes)
			}
		}
	}
	return p, nil
}

func (p *plan) checkFormat(req *GenerateRequest) error {
	if p.format == "" {
		p.format = "png"
		if p.n > 1 {
			p.format = "tar"
		}
	}
	if p.format == "jpg" {
		p.format = "jpeg"
	}
	switch p.format {
	case "png", "jpeg":
		if p.n > 1 {
			return bad("format", "format %s holds one image; for n = %d ask for format tar (images and manifest.csv) or npy (one stacked array)", p.format, p.n)
		}
		if p.image != "" {
			return bad("image_format", "image_format applies to format tar")
		}
		p.image = p.format
	case "tar":
		if p.image == "" {
			p.image = "png"
		}
		if p.image == "jpg" {
			p.image = "jpeg"
		}
		if p.image != "png" && p.image != "jpeg" {
			return bad("image_format", "image_format %q: want png or jpeg", p.image)
		}
	case "npy":
		if p.image != "" {
			return bad("image_format", "image_format applies to format tar; npy holds the raw float32 tensors")
		}
	default:
		return bad("format", "format %q: want png, jpeg (one image), tar or npy", p.format)
	}
	if req.Quality != nil {
		if p.image != "jpeg" {
			return bad("quality", "quality applies to JPEG images")
		}
		p.quality = *req.Quality
		if p.quality < 1 || p.quality > 100 {
			return bad("quality", "quality %d: want 1-100", p.quality)
		}
	}
	return nil
}

// parseLabel reads a label given as a class index or name.
func (s *Server) parseLabel(v any) (int, error) {
	in := s.info
	if !in.Conditional {
		return 0, bad("label", "the model is not conditional (it has no classes); leave label out")
	}
	l := -1
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && v >= 0 && v < float64(len(in.Classes)) {
			l = int(v)
		}
	case string:
		if i, err := strconv.Atoi(v); err == nil {
			l = i
		}
		for i, name := range in.Classes {
			if strings.EqualFold(name, v) {
				l = i
			}
		}
	}
	if l < 0 || l >= len(in.Classes) {
		return 0, bad("label", "label %v: the model has %d classes: give 0-%d or a name (%s)", v, len(in.Classes), len(in.Classes)-1, strings.Join(in.Classes, ", "))
	}
	return l, nil
}
