package infer

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/gogan/gan/internal/testenv"
)

// TestMain skips the examples that need the runtime library when it is
// missing, the way needLibrary skips tests: an example cannot call t.Skip.
// Where the library is required (testenv), the example runs and fails.
func TestMain(m *testing.M) {
	flag.Parse()
	if _, err := resolveLibrary(here("")); err != nil && !required() {
		skip := "^Example$"
		if s := flag.Lookup("test.skip").Value.String(); s != "" {
			skip = s + "|" + skip
		}
		flag.Set("test.skip", skip)
		fmt.Fprintf(os.Stderr, "infer: skipping Example: %v\n", err)
	}
	os.Exit(m.Run())
}

func required() bool {
	ok, _ := testenv.RuntimeRequired()
	return ok
}
