//go:build cgo

package infer

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

// gogan_try_dlopen loads and unloads a library, returning dlerror()'s text
// on failure (copied by the caller before the next dl call) or NULL.
static const char *gogan_try_dlopen(const char *path) {
	void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL) {
		return dlerror();
	}
	dlclose(h);
	return NULL;
}
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"
)

// appendProvider adds the named execution provider to so. opts are the
// provider's own options (for CUDA e.g. device_id, use_tf32).
func appendProvider(so *ort.SessionOptions, name string, opts map[string]string) error {
	// onnxruntime logs its own account of a provider that fails to load;
	// we report the cause ourselves (see providerDiagnosis), so keep it quiet
	// for the duration.
	ort.SetEnvironmentLogLevel(ort.LoggingLevelFatal)
	defer ort.SetEnvironmentLogLevel(ort.LoggingLevelError)
	switch name {
	case "cpu":
		return nil
	case "cuda":
		return appendCUDA(so, opts)
	case "tensorrt":
		t, err := ort.NewTensorRTProviderOptions()
		if err != nil {
			return err
		}
		defer t.Destroy()
		if len(opts) > 0 {
			if err := t.Update(opts); err != nil {
				return err
			}
		}
		if err := so.AppendExecutionProviderTensorRT(t); err != nil {
			return err
		}
		// Nodes TensorRT cannot take run on CUDA rather than the CPU.
		return appendCUDA(so, map[string]string{"device_id": orDefault(opts["device_id"], "0")})
	case "openvino":
		return so.AppendExecutionProviderOpenVINO(opts)
	case "coreml":
		return so.AppendExecutionProviderCoreMLV2(opts)
	case "directml":
		id, err := strconv.Atoi(orDefault(opts["device_id"], "0"))
		if err != nil {
			return fmt.Errorf("device_id=%q is not an integer", opts["device_id"])
		}
		return so.AppendExecutionProviderDirectML(id)
	}
	return fmt.Errorf("unknown provider %q (want one of %s)", name, strings.Join(Providers, ", "))
}

func appendCUDA(so *ort.SessionOptions, opts map[string]string) error {
	c, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return err
	}
	defer c.Destroy()
	if len(opts) > 0 {
		if err := c.Update(opts); err != nil {
			return err
		}
	}
	return so.AppendExecutionProviderCUDA(c)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// providerLibs are the libraries onnxruntime loads, from the folder of
// libonnxruntime itself, to run a provider.
var providerLibs = map[string][]string{
	"cuda":     {"libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"},
	"tensorrt": {"libonnxruntime_providers_shared.so", "libonnxruntime_providers_tensorrt.so", "libonnxruntime_providers_cuda.so"},
	"openvino": {"libonnxruntime_providers_shared.so", "libonnxruntime_providers_openvino.so"},
}

// providerDiagnosis explains why a provider could not be used with the
// library at libPath. onnxruntime itself only says "Failed to load shared
// library"; the cause (a provider library missing beside libonnxruntime,
// or one of its CUDA dependencies missing from the loader's path) is found
// by loading the same files ourselves.
func providerDiagnosis(name, libPath string) string {
	switch name {
	case "coreml":
		return "CoreML exists only in onnxruntime builds for macOS and iOS"
	case "directml":
		return "DirectML exists only in onnxruntime builds for Windows"
	}
	dir := filepath.Dir(libPath)
	for i, lib := range providerLibs[name] {
		p := filepath.Join(dir, lib)
		if _, err := os.Stat(p); err != nil {
			if i == 0 {
				return fmt.Sprintf("%s is not in %s: the onnxruntime library there is a CPU-only build; "+
					"point %s at a GPU build with its provider libraries beside it (see scripts/gpu_check.sh)", lib, dir, LibraryEnv)
			}
			return fmt.Sprintf("%s is not in %s; install the %s provider libraries beside %s", lib, dir, name, filepath.Base(libPath))
		}
		if msg := tryLoad(p); msg != "" {
			return fmt.Sprintf("%s does not load: %s; install what it needs (for CUDA: the CUDA runtime, cuBLAS and cuDNN libraries of the version it was built for) or add their folder to LD_LIBRARY_PATH", lib, msg)
		}
	}
	return ""
}

// tryLoad returns the loader's error for path, or "" if it loads.
func tryLoad(path string) string {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	if msg := C.gogan_try_dlopen(cs); msg != nil {
		return C.GoString(msg)
	}
	return ""
}
