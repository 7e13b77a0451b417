package onnxtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gogan/gan/internal/testenv"
)

// Python is the interpreter with python3-onnx: Debian's, not whatever
// python3 comes first on PATH.
const Python = "/usr/bin/python3"

// checkScript runs the full checker (which includes strict shape
// inference) on each file and prints the inferred output shapes.
const checkScript = `
import sys, onnx
for path in sys.argv[1:]:
    onnx.checker.check_model(path, full_check=True)
    m = onnx.shape_inference.infer_shapes(onnx.load(path), check_type=True, strict_mode=True)
    for o in m.graph.output:
        dims = [d.dim_param or str(d.dim_value) for d in o.type.tensor_type.shape.dim]
        print(path, o.name, ",".join(dims))
`

// HaveChecker reports whether Python can import onnx, and if not, why.
func HaveChecker() (bool, string) {
	if _, err := os.Stat(Python); err != nil {
		return false, Python + " not found"
	}
	out, err := exec.Command(Python, "-c", "import onnx").CombinedOutput()
	if err != nil {
		return false, "python3-onnx is not importable by " + Python + " (apt-get install python3-onnx, or make setup): " + strings.TrimSpace(string(out))
	}
	return true, ""
}

// Check runs onnx.checker.check_model(path, full_check=True) on every path
// and fails t on any complaint. When python3-onnx is missing it skips t,
// or fails it under CI (testenv.Checker).
// It returns, per path, the lines "output_name dims" with the shapes
// strict shape inference gives the graph outputs ("N,1,28,28").
func Check(t testing.TB, paths ...string) map[string][]string {
	t.Helper()
	ok, why := HaveChecker()
	testenv.Checker(t, ok, why)
	out, err := exec.Command(Python, append([]string{"-c", checkScript}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx checker rejected the model: %v\n%s", err, out)
	}
	res := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			res[f[0]] = append(res[f[0]], f[1]+" "+f[2])
		}
	}
	return res
}
