package train

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/gogan/gan/internal/atomicfile"
)

// MetricsHeader is the first line of metrics.csv.
const MetricsHeader = "step,epoch,loss_d,loss_g,d_real,d_fake,images_per_s,elapsed_s,fid,class_perplexity"

// Record is one row of metrics.csv. DReal and DFake are D's mean raw output
// on the real and generated batches of the step.
type Record struct {
	Step         int
	Epoch        int
	LossD, LossG float64
	DReal, DFake float64
	ImagesPerS   float64
	ElapsedS     float64
	// FID and Perplexity (of the predicted class distribution) are set on
	// --eval-every steps and NaN, an empty field, elsewhere.
	FID, Perplexity float64
}

func (r Record) csv() string {
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 7, 64)
	}
	return strings.Join([]string{strconv.Itoa(r.Step), strconv.Itoa(r.Epoch), f(r.LossD), f(r.LossG),
		f(r.DReal), f(r.DFake), strconv.FormatFloat(r.ImagesPerS, 'f', 1, 64), strconv.FormatFloat(r.ElapsedS, 'f', 2, 64), f(r.FID), f(r.Perplexity)}, ",")
}

// MetricsLog appends records to metrics.csv and keeps them in memory for
// the loss plot.
type MetricsLog struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	Records []Record
}

// OpenMetrics opens path for appending. Rows after keepStep are cut (a
// resumed run continues from its checkpoint's step); a missing file is
// created with the header.
func OpenMetrics(path string, keepStep int) (*MetricsLog, error) {
	m := &MetricsLog{path: path}
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var kept bytes.Buffer
	kept.WriteString(MetricsHeader + "\n")
	if len(old) > 0 {
		sc := bufio.NewScanner(bytes.NewReader(old))
		first := true
		for sc.Scan() {
			line := sc.Text()
			if first {
				first = false
				if line != MetricsHeader {
					return nil, fmt.Errorf("%s: unexpected header %q; is this a gogan run folder?", path, line)
				}
				continue
			}
			r, err := parseRecord(line)
			if err != nil {
				break // a torn last line from a crash: drop it and what follows
			}
			if r.Step > keepStep {
				break
			}
			m.Records = append(m.Records, r)
			kept.WriteString(line + "\n")
		}
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(kept.Bytes()); return err }); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	m.f, m.w = f, bufio.NewWriter(f)
	return m, nil
}

func parseRecord(line string) (Record, error) {
	p := strings.Split(line, ",")
	if len(p) != 10 {
		return Record{}, fmt.Errorf("want 10 fields, got %d", len(p))
	}
	var r Record
	var err error
	ints := []*int{&r.Step, &r.Epoch}
	for i, dst := range ints {
		if *dst, err = strconv.Atoi(p[i]); err != nil {
			return r, err
		}
	}
	floats := []*float64{&r.LossD, &r.LossG, &r.DReal, &r.DFake, &r.ImagesPerS, &r.ElapsedS, &r.FID, &r.Perplexity}
	for i, dst := range floats {
		if p[i+2] == "" {
			*dst = math.NaN()
			continue
		}
		if *dst, err = strconv.ParseFloat(p[i+2], 64); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Add appends a record.
func (m *MetricsLog) Add(r Record) error {
	m.Records = append(m.Records, r)
	_, err := m.w.WriteString(r.csv() + "\n")
	return err
}

// Flush writes buffered rows to the file.
func (m *MetricsLog) Flush() error {
	if err := m.w.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", m.path, err)
	}
	return nil
}

// Close flushes and closes the file.
func (m *MetricsLog) Close() error {
	err := m.Flush()
	if cerr := m.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadMetrics reads the records of a run's metrics.csv without changing
// it. A torn last line (a crash while writing) ends the records.
func ReadMetrics(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	header, rest, _ := strings.Cut(string(b), "\n")
	if header != MetricsHeader {
		return nil, fmt.Errorf("%s: unexpected header %q; is this a gogan run folder?", path, header)
	}
	var recs []Record
	for _, line := range strings.Split(rest, "\n") {
		r, err := parseRecord(line)
		if err != nil {
			break
		}
		recs = append(recs, r)
	}
	return recs, nil
}
