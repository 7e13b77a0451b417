package nn

import (
	"fmt"
	"io"
	"math"

	"github.com/gogan/gan/train/tensor"
)

// AdamState is everything an Adam optimiser needs to continue exactly where
// it stopped: its hyperparameters and, per parameter name, the step count
// and the two moment estimates. It is a deep copy, detached from the
// optimiser. The checkpoint writer stores it with WriteAdamState next to
// the model's StateDict.
type AdamState struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Params                             []AdamParamState
}

// AdamParamState is one parameter's optimiser state; ExpAvg and ExpAvgSq
// have the parameter's shape (PyTorch's exp_avg and exp_avg_sq). A
// parameter that has never been stepped has Step 0 and zero moments, which
// behaves as PyTorch's absent entry does.
type AdamParamState struct {
	Name             string
	Step             int64
	ExpAvg, ExpAvgSq *tensor.Tensor
}

// State returns a copy of the optimiser's state.
func (o *Adam) State() AdamState { return o.state(true) }

// WriteState writes the optimiser's state as WriteAdamState does, without
// copying its moments first.
func (o *Adam) WriteState(w io.Writer) error { return WriteAdamState(w, o.state(false)) }

// state returns the optimiser's state, its moments copied or shared.
func (o *Adam) state(copied bool) AdamState {
	s := AdamState{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay}
	for i, p := range o.params {
		sl := o.slots[i]
		m, v := sl.m, sl.v
		if copied {
			m, v = append([]float32(nil), m...), append([]float32(nil), v...)
		}
		s.Params = append(s.Params, AdamParamState{
			Name:     p.Name,
			Step:     sl.step,
			ExpAvg:   tensor.New(m, p.T.Shape()...),
			ExpAvgSq: tensor.New(v, p.T.Shape()...),
		})
	}
	return s
}

// LoadState restores s, hyperparameters included (as torch's
// load_state_dict does; set the fields afterwards to override them). The
// state must hold exactly the optimiser's parameter names, in any order,
// with matching shapes; otherwise nothing changes and the error names the
// first mismatch.
func (o *Adam) LoadState(s AdamState) error {
	byName := make(map[string]*AdamParamState, len(s.Params))
	for i := range s.Params {
		ps := &s.Params[i]
		if _, dup := byName[ps.Name]; dup {
			return fmt.Errorf("nn: Adam.LoadState: parameter %q appears twice in the state", ps.Name)
		}
		byName[ps.Name] = ps
	}
	for _, p := range o.params {
		ps, ok := byName[p.Name]
		if !ok {
			return fmt.Errorf("nn: Adam.LoadState: state has no entry for parameter %q (state holds %d parameters, optimiser %d)",
				p.Name, len(s.Params), len(o.params))
		}
		for _, t := range []struct {
			what string
			t    *tensor.Tensor
		}{{"exp_avg", ps.ExpAvg}, {"exp_avg_sq", ps.ExpAvgSq}} {
			if t.t == nil || !tensor.SameShape(t.t.Shape(), p.T.Shape()) {
				var shape []int
				if t.t != nil {
					shape = t.t.Shape()
				}
				return fmt.Errorf("nn: Adam.LoadState: %q: %s has shape %v, parameter has %v", p.Name, t.what, shape, p.T.Shape())
			}
		}
		if ps.Step < 0 {
			return fmt.Errorf("nn: Adam.LoadState: %q: negative step count %d", p.Name, ps.Step)
		}
	}
	if len(s.Params) != len(o.params) {
		known := make(map[string]bool, len(o.params))
		for _, p := range o.params {
			known[p.Name] = true
		}
		for _, ps := range s.Params {
			if !known[ps.Name] {
				return fmt.Errorf("nn: Adam.LoadState: state has parameter %q that the optimiser does not", ps.Name)
			}
		}
	}
	o.LR, o.Beta1, o.Beta2, o.Eps, o.WeightDecay = s.LR, s.Beta1, s.Beta2, s.Eps, s.WeightDecay
	for i, p := range o.params {
		ps := byName[p.Name]
		o.slots[i].step = ps.Step
		copy(o.slots[i].m, ps.ExpAvg.Data)
		copy(o.slots[i].v, ps.ExpAvgSq.Data)
	}
	return nil
}

// The Adam state format (little-endian), built from the same pieces as the
// named-tensor format:
//
//	magic   "GGAD"
//	version uint32 (1)
//	lr, beta1, beta2, eps, weight_decay   float64 bits
//	count   uint32
//	count times:
//	    name     uint32 length, then bytes
//	    step     int64
//	    exp_avg     rank, dims, data (as in WriteTensors, without the name)
//	    exp_avg_sq  the same
//	crc     uint32, CRC-32 (IEEE) of every byte before it

const (
	adamMagic   = "GGAD"
	adamVersion = 1
)

// WriteAdamState writes s to w in the binary Adam state format.
func WriteAdamState(w io.Writer, s AdamState) error {
	ps := make([]Param, len(s.Params))
	for i, p := range s.Params {
		if p.ExpAvg == nil || p.ExpAvgSq == nil || !tensor.SameShape(p.ExpAvg.Shape(), p.ExpAvgSq.Shape()) {
			return fmt.Errorf("nn: WriteAdamState: %q: exp_avg and exp_avg_sq missing or of different shapes", p.Name)
		}
		ps[i] = Param{p.Name, p.ExpAvg}
	}
	if err := checkParams("WriteAdamState", ps); err != nil {
		return err
	}
	e := newEncoder(w)
	e.raw([]byte(adamMagic))
	e.u32(adamVersion)
	for _, h := range []float64{s.LR, s.Beta1, s.Beta2, s.Eps, s.WeightDecay} {
		e.f64(h)
	}
	e.u32(uint32(len(s.Params)))
	for _, p := range s.Params {
		e.str(p.Name)
		e.u64(uint64(p.Step))
		e.shaped(p.ExpAvg)
		e.shaped(p.ExpAvgSq)
	}
	return e.finish("WriteAdamState")
}

// ReadAdamState reads what WriteAdamState writes. Corrupt, truncated or
// foreign input gives an error starting "nn: ReadAdamState:".
func ReadAdamState(r io.Reader) (AdamState, error) {
	d := newDecoder(r, "ReadAdamState")
	d.header(adamMagic, adamVersion, "gogan Adam state")
	var s AdamState
	for _, h := range []*float64{&s.LR, &s.Beta1, &s.Beta2, &s.Eps, &s.WeightDecay} {
		*h = d.f64("hyperparameters")
	}
	n := d.u32("parameter count")
	for i := uint32(0); i < n && d.err == nil; i++ {
		p := AdamParamState{Name: d.str("parameter name")}
		p.Step = int64(d.u64(fmt.Sprintf("step of %q", p.Name)))
		p.ExpAvg = d.shaped(p.Name + " exp_avg")
		p.ExpAvgSq = d.shaped(p.Name + " exp_avg_sq")
		s.Params = append(s.Params, p)
	}
	if err := d.finish(); err != nil {
		return AdamState{}, err
	}
	for _, p := range s.Params {
		if p.Step < 0 || !tensor.SameShape(p.ExpAvg.Shape(), p.ExpAvgSq.Shape()) {
			return AdamState{}, fmt.Errorf("nn: ReadAdamState: %q: bad step %d or moment shapes %v, %v",
				p.Name, p.Step, p.ExpAvg.Shape(), p.ExpAvgSq.Shape())
		}
	}
	for _, h := range []float64{s.LR, s.Beta1, s.Beta2, s.Eps, s.WeightDecay} {
		if math.IsNaN(h) || math.IsInf(h, 0) {
			return AdamState{}, fmt.Errorf("nn: ReadAdamState: hyperparameter %v is not finite", h)
		}
	}
	ps := make([]Param, len(s.Params))
	for i, p := range s.Params {
		ps[i] = Param{p.Name, p.ExpAvg}
	}
	if err := checkParams("ReadAdamState", ps); err != nil {
		return AdamState{}, err
	}
	return s, nil
}
