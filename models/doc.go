// Package models holds gogan's architectures, built from train/nn: the
// fully connected GAN (mlp), DCGAN and an SNGAN-style residual GAN (resnet)
// at 28, 32 and 64 pixels, and a convolutional VAE (vae) made of DCGAN's
// two halves, each optionally conditional on a class label (a conditional
// D takes it as an input plane, or through a Projection head on its
// features). A Spec names an architecture;
// NewGenerator and NewDiscriminator (NewVAE for a VAE) build it with
// seeded weights.
package models
