package train

import (
	"math"

	"github.com/gogan/gan/train/nn"
)

func mathFloat32bits(v float32) uint32 { return math.Float32bits(v) }
func posInf() float64                  { return math.Inf(1) }

// StateDictOf is nn.StateDict, named for the tests.
func StateDictOf(m nn.Module) []nn.Param { return nn.StateDict(m) }
