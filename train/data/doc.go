// Package data supplies training images as flat float32 batches: the Dataset
// interface, an MNIST reader, image folders decoded through
// github.com/disintegration/imaging, and a Loader that shuffles and batches.
//
// It is a leaf: it knows nothing of tensors. An image is C*H*W float32 values,
// layout (C,H,W), scaled from bytes by v/127.5-1 into [-1,1], the range of a tanh
// generator; a batch is N such images back to back, (N,C,H,W), with N labels.
// Datasets keep their pixels as uint8 in memory and convert on each read.
//
// MNIST comes from the four IDX files (gzip'd or plain) that `make setup` puts in
// data/mnist under the module root; DataDir and DefaultMNISTDir find it from any
// folder inside the module, or from $GOGAN_DATA. File errors name the file, say
// what is wrong and what to do.
//
// LoadFolder decodes a folder tree of png, jpeg, gif, bmp and tiff files once, on
// all cores, to centered squares of one size, composited over a Background
// (black unless told otherwise); first-level subfolders become class labels.
// Results do not depend on the number of workers. Its FolderReport counts what
// was read (formats, colour types, transparency, resizing, skipped files) and
// names the data by its folder, image count and content hash. LoadFiles reads
// a list of files through the same decoder.
//
// A Loader's order is a pure function of its seed and the epoch, and its State
// (seed, epoch, position) restores the exact batch sequence, so a training run
// resumed from a checkpoint sees the same data it would have seen uninterrupted.
// It prefetches one batch on a background goroutine without changing that order.
package data
