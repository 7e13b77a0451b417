package eval_test

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"testing"

	"github.com/gogan/gan/train/data"
)

// TestMain skips the examples that read MNIST when its files are absent,
// as testenv.Data skips tests (an example cannot call t.Skip). Files that
// are there but do not load leave the example to run and fail.
func TestMain(m *testing.M) {
	flag.Parse()
	if _, err := data.LoadMNIST(data.DefaultMNISTDir(), "test"); errors.Is(err, fs.ErrNotExist) {
		skip := "^ExampleScorer$"
		if s := flag.Lookup("test.skip").Value.String(); s != "" {
			skip = s + "|" + skip
		}
		flag.Set("test.skip", skip)
		fmt.Fprintf(os.Stderr, "eval: skipping ExampleScorer: %v\n", err)
	}
	os.Exit(m.Run())
}
