package infer

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain skips the examples that need the runtime library when it is
// missing, the way needLibrary skips tests: an example cannot call t.Skip.
func TestMain(m *testing.M) {
	flag.Parse()
	_, err := resolveLibrary(here(""))
	if !withCgo {
		err = ErrNoCgo
	}
	if err != nil {
		skip := "^Example$"
		if s := flag.Lookup("test.skip").Value.String(); s != "" {
			skip = s + "|" + skip
		}
		flag.Set("test.skip", skip)
		fmt.Fprintf(os.Stderr, "infer: skipping Example: %v\n", err)
	}
	os.Exit(m.Run())
}
