// Package parity holds the export parity tests: a generator exported by
// models runs through onnxruntime (package infer) and must match the Go
// forward pass. It needs cgo and the runtime library (make setup); it has
// no code of its own.
package parity
