// Package serve is gan-gen's HTTP generation service: a generator behind
// plain HTTP that any load balancer fronts, for pipelines written in other
// languages.
//
// POST /v1/generate takes a JSON body (n, seed or latents, label,
// truncation, format) and answers with one PNG or JPEG, a tar of images and
// manifest.csv, or a stacked .npy. Image i of a request uses seed+i, as
// gan-gen --seed does, and its bytes equal gan-gen's for that seed on the
// same build, runtime library, provider and CPU type, whatever other
// requests share its onnxruntime run. GET /v1/model, /healthz, /readyz and
// /metrics (Prometheus text format) complete the API.
//
// Concurrent requests are merged into one onnxruntime run (dynamic
// micro-batching: up to Options.MaxBatch images, or whatever has arrived
// within Options.MaxWait of the first) and split back; large requests are
// cut into runs and streamed out as each run finishes, so a request holds
// at most two runs' images at a time. Encoding happens on the requests' own
// goroutines while the next run is computed. Admission is bounded in
// images (Options.QueueImages): past it a request is answered 429 with
// Retry-After, so memory stays bounded whatever the load. A client that
// goes away cancels its queued work.
package serve
