package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGPUCheckMissingPieces runs scripts/gpu_check.sh where a piece is
// missing: it must stop with status 2 and say what is missing and how to get
// it, before building or downloading anything. nvidia-smi is faked through
// GOGAN_NVIDIA_SMI, so the test behaves the same on a GPU machine.
func TestGPUCheckMissingPieces(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	script, err := filepath.Abs("../../scripts/gpu_check.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fakeSMI := func(name, output string, status int) string {
		p := filepath.Join(dir, name)
		body := "#!/bin/sh\ncat <<'EOF'\n" + output + "\nEOF\nexit " + string(rune('0'+status)) + "\n"
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withGPU := fakeSMI("smi-gpu", "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0000)", 0)
	noGPU := fakeSMI("smi-none", "No devices were found", 6)
	emptyORT := filepath.Join(dir, "ort-empty")
	os.MkdirAll(emptyORT, 0o755)

	type tc struct {
		name string
		env  []string
		want []string
	}
	cases := []tc{
		{"no nvidia-smi", []string{"GOGAN_NVIDIA_SMI=" + filepath.Join(dir, "absent-smi")},
			[]string{"no nvidia-smi", "NVIDIA GPU"}},
		{"no GPU", []string{"GOGAN_NVIDIA_SMI=" + noGPU},
			[]string{"finds no NVIDIA GPU", "No devices were found"}},
		{"no GPU build of onnxruntime", []string{"GOGAN_NVIDIA_SMI=" + withGPU, "GOGAN_GPU_ORT_DIR=" + emptyORT},
			[]string{"libonnxruntime.so.1 libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so", "--fetch", "onnxruntime-node@1.29.0", "com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9"}},
	}
	// A provider library that links against a CUDA runtime this machine
	// lacks: built against a stub libcudart.so.13 that is then left out of
	// the loader's path.
	if cc, err := exec.LookPath("gcc"); err == nil {
		ort := filepath.Join(dir, "ort-nocuda")
		stub := filepath.Join(dir, "stub")
		os.MkdirAll(ort, 0o755)
		os.MkdirAll(stub, 0o755)
		src := filepath.Join(dir, "empty.c")
		os.WriteFile(src, []byte("int gogan_stub(void) { return 0; }\n"), 0o644)
		build := func(args ...string) {
			if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
				t.Fatalf("gcc %v: %v\n%s", args, err, out)
			}
		}
		build("-shared", "-fPIC", "-o", filepath.Join(stub, "libcudart.so.13"), "-Wl,-soname,libcudart.so.13", src)
		build("-shared", "-fPIC", "-o", filepath.Join(ort, "libonnxruntime_providers_cuda.so"), src,
			"-Wl,--no-as-needed", "-L"+stub, "-l:libcudart.so.13")
		for _, f := range []string{"libonnxruntime.so.1", "libonnxruntime_providers_shared.so"} {
			os.WriteFile(filepath.Join(ort, f), nil, 0o644)
		}
		cases = append(cases, tc{"no CUDA libraries", []string{"GOGAN_NVIDIA_SMI=" + withGPU, "GOGAN_GPU_ORT_DIR=" + ort},
			[]string{"libcudart.so.13", "CUDA 13 runtime", "LD_LIBRARY_PATH"}})
	} else {
		t.Log("gcc not found: the missing-CUDA-libraries case is not checked")
	}
	for _, c := range cases {
		cmd := exec.Command("bash", script)
		cmd.Env = append(os.Environ(), c.env...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		msg := string(out)
		if code != 2 || !strings.Contains(msg, "cannot run") {
			t.Errorf("%s: exit %d; want 2 and 'cannot run':\n%s", c.name, code, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: output does not mention %q:\n%s", c.name, w, msg)
			}
		}
		if strings.Contains(msg, "building") || strings.Contains(msg, "fetching") {
			t.Errorf("%s: the script went on to build or fetch:\n%s", c.name, msg)
		}
	}
}
