package data

import (
	"fmt"
	"strconv"
	"strings"
)

// Background is the colour that transparent pixels are composited over when
// images are loaded. The zero value is black, the default: a pixel of
// alpha a and colour c becomes c*a, so half-transparent edges darken
// towards the tanh generator's -1 (as MNIST's strokes fade into its black
// ground) instead of keeping whatever colour the file stored under them.
type Background struct {
	R, G, B uint8
	// Ignore drops alpha: every pixel keeps the colour stored under it, as
	// PIL's convert("RGB") does and gogan did before it composited (a
	// transparent pixel often hides a colour, which a model then learns).
	// Runs recorded without a background load this way, so that they
	// resume on the same pixels.
	Ignore bool
}

// Named backgrounds.
var (
	Black = Background{}
	White = Background{R: 255, G: 255, B: 255}
)

// ParseBackground reads "black", "white", "#rrggbb" or "none" (Ignore).
func ParseBackground(s string) (Background, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); {
	case t == "black":
		return Black, nil
	case t == "white":
		return White, nil
	case t == "none":
		return Background{Ignore: true}, nil
	case len(t) == 7 && t[0] == '#':
		v, err := strconv.ParseUint(t[1:], 16, 32)
		if err == nil {
			return Background{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v)}, nil
		}
	}
	return Background{}, fmt.Errorf("background %q: want black, white, #rrggbb (e.g. #808080) or none (ignore transparency)", s)
}

// String is the form ParseBackground reads.
func (b Background) String() string {
	switch b {
	case Black:
		return "black"
	case White:
		return "white"
	}
	if b.Ignore {
		return "none"
	}
	return fmt.Sprintf("#%02x%02x%02x", b.R, b.G, b.B)
}

// over composites the non-premultiplied pixel (r,g,b,a) over b, rounding
// to nearest: opaque pixels come back unchanged, transparent ones as b.
func (b Background) over(r, g, bl, a uint8) (uint8, uint8, uint8) {
	if a == 255 || b.Ignore {
		return r, g, bl
	}
	ia, na := uint32(a), 255-uint32(a)
	mix := func(c, bg uint8) uint8 { return uint8((uint32(c)*ia + uint32(bg)*na + 127) / 255) }
	return mix(r, b.R), mix(g, b.G), mix(bl, b.B)
}
