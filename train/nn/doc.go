// Package nn builds models from train/tensor: modules (Linear, Conv2d,
// ConvTranspose2d, BatchNorm1d/2d, class-conditional BatchNorm, Embedding,
// pooling, nearest upsampling, activations, Sequential),
// initialisers, the Adam optimiser, and a checksummed binary format for
// named tensors.
//
// Modules mirror torch.nn so that weights and fixtures compare name by name
// with PyTorch: a Sequential names its children "0", "1", ...; a model
// embeds Container and registers its fields, giving state_dict keys such as
// "main.1.running_mean". Module.Params lists the trainable parameters;
// Buffers lists untrained state (BatchNorm running statistics); StateDict
// lists both in PyTorch's state_dict order (num_batches_tracked is not
// kept). SetTraining switches a whole tree between train and eval mode.
//
// Spectral normalisation (SpectralNorm) follows torch.nn.utils.spectral_norm:
// a layer's EnableSpectralNorm, or ApplySpectralNorm for every Linear and
// convolution of a model, renames its weight "weight_orig" and adds the
// power-iteration buffers "weight_u" and "weight_v" to its state.
//
// Constructors take a *rand.Rand (math/rand/v2) for PyTorch's default
// initialisation; DCGANInit, Kaiming* and Xavier* re-initialise from a
// caller's rng. There is no global random state.
//
// Adam follows torch.optim.Adam, with float32 updates in a fixed order so
// that training repeats bit for bit. Its state (per-parameter step and
// moments, keyed by parameter name) is taken with State, restored with
// LoadState, and stored with WriteAdamState/ReadAdamState; model tensors
// go through WriteTensors/ReadTensors. Both formats open with a magic
// number and a version, store float32 little-endian, end in a CRC-32, and
// report damaged input as "nn: ..." errors.
//
// Shape mistakes are programmer errors and panic with an "nn: " or
// "tensor: " message; file and state mismatches are returned as errors.
package nn
