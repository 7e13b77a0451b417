// Package eval measures how close generated images are to real ones, in
// the feature space of a classifier trained by gogan itself (a LeNet on
// MNIST, shipped in the repository), in pure Go.
//
// The metrics take feature matrices, N rows of Dim float32 values, so they
// can be tested on point clouds without any network:
//
//   - FID: the Fréchet distance between Gaussians fitted to the two sets
//     (FitGaussian, FrechetDistance), computed in float64.
//   - KID: the unbiased squared MMD with the cubic polynomial kernel,
//     averaged over random subsets, with its standard deviation.
//   - Precision and recall of Kynkäänniemi et al. (2019): the share of
//     generated samples inside the k-NN manifold of the real ones, and the
//     share of real samples inside that of the generated ones.
//   - Class coverage: the share of samples the classifier assigns to each
//     class, the perplexity of those shares and the mean confidence, and a
//     mode-collapse Verdict with its reasons.
//
// Scores are comparable only under the same feature network; every Report
// names it (FeatureNet.Name includes a hash of the weights).
//
// A Scorer holds the reference set's features and statistics, so that
// scoring a fixed sample during training costs one pass of the feature
// network over the generated images. Everything random takes a seed, so a
// score repeats exactly for the same inputs, seed and thread count.
package eval
