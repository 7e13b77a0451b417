package infer

// Option configures Open and OpenBytes.
type Option func(*config)

type config struct {
	provider     string
	providerOpts map[string]string
	noFallback   bool
	threads      int
	library      string
	maxBatch     int
	logf         func(msg string)
}

// DefaultMaxBatch is the largest batch one onnxruntime run takes unless
// WithMaxBatch says otherwise; Generate splits larger requests.
const DefaultMaxBatch = 1024

func defaultConfig() config {
	return config{provider: "cpu", maxBatch: DefaultMaxBatch}
}

// Providers lists the execution providers WithProvider accepts.
var Providers = []string{"cpu", "cuda", "tensorrt", "openvino", "coreml", "directml"}

func knownProvider(name string) bool {
	for _, p := range Providers {
		if p == name {
			return true
		}
	}
	return false
}

// WithProvider picks the execution provider: "cpu" (the default), "cuda",
// "tensorrt", "openvino", "coreml" or "directml". When the provider cannot
// be used with the loaded library, the Generator falls back to the CPU and
// records why in Warnings (and tells WithLogger's function), unless
// WithNoFallback is given.
func WithProvider(name string) Option { return func(c *config) { c.provider = name } }

// WithProviderOptions passes options to the provider as onnxruntime names
// them, e.g. {"device_id": "1", "use_tf32": "0"} for CUDA.
func WithProviderOptions(opts map[string]string) Option {
	return func(c *config) { c.providerOpts = opts }
}

// WithNoFallback makes Open fail instead of falling back to the CPU when the
// provider chosen with WithProvider is unavailable.
func WithNoFallback() Option { return func(c *config) { c.noFallback = true } }

// WithThreads sets onnxruntime's intra-op thread count (0: its default, one
// per physical core).
func WithThreads(n int) Option { return func(c *config) { c.threads = n } }

// WithLibrary names the onnxruntime shared library (a file, or a folder
// holding libonnxruntime.so.1). Without it the library is looked up in
// $ONNXRUNTIME_LIB, then in the executable's ../lib (the layout `make
// install` makes: PREFIX/bin and PREFIX/lib), then in the repository's
// third_party/onnxruntime/lib (found from the working directory or beside
// the executable), then in LD_LIBRARY_PATH and the system library folders. The library is loaded once
// per process; a later Open that names another file fails.
func WithLibrary(path string) Option { return func(c *config) { c.library = path } }

// WithMaxBatch sets the most images one onnxruntime run computes; Generate
// splits larger requests. It bounds the runtime's working memory.
func WithMaxBatch(n int) Option { return func(c *config) { c.maxBatch = n } }

// WithLogger receives notices as they happen, such as a provider falling
// back to the CPU. The same notices are kept in Generator.Warnings.
func WithLogger(f func(msg string)) Option { return func(c *config) { c.logf = f } }
