//go:build !amd64 || purego

package tensor

// Without assembly kernels the blocked pure-Go path is the only fast path.
func registerSgemmPaths() {
	sgemmPaths = append(sgemmPaths, sgemmPath{"generic", genericKernel.sgemm, genericKernel})
}
