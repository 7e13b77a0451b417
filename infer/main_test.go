package infer

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/gogan/gan/internal/testenv"
)

// TestMain skips the examples that need the runtime library (Example,
// ExampleSample, ExampleOpenOutput; ExampleSlerp needs none) when it is
// missing, the way needLibrary skips tests: an example cannot call t.Skip.
// Where the library is required (testenv), the example runs and fails.
//
// With INFER_TEST_LIBRARY=1 the test binary instead loads the runtime
// library as a program would and prints its path (TestInstallLayout).
func TestMain(m *testing.M) {
	if os.Getenv("INFER_TEST_LIBRARY") == "1" {
		_, path, err := RuntimeVersion("")
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println(path)
		os.Exit(0)
	}
	flag.Parse()
	_, err := resolveLibrary(here(""))
	if !withCgo {
		err = ErrNoCgo
	}
	if err != nil && !required() {
		skip := "^(Example|ExampleSample|ExampleOpenOutput)$"
		if s := flag.Lookup("test.skip").Value.String(); s != "" {
			skip = s + "|" + skip
		}
		flag.Set("test.skip", skip)
		fmt.Fprintf(os.Stderr, "infer: skipping Example, ExampleSample and ExampleOpenOutput: %v\n", err)
	}
	os.Exit(m.Run())
}

func required() bool {
	ok, _ := testenv.RuntimeRequired()
	return ok
}
