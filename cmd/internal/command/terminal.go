package command

import (
	"os"

	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal: a file the terminal driver
// knows, so /dev/null, pipes and regular files are not. It is the one
// check every command uses before drawing a progress bar or refusing to
// write binary data to a terminal; x/term makes it portable.
func IsTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && f != nil && term.IsTerminal(int(f.Fd()))
}
