// Package train is gogan's adversarial training loop, and a VAE's: it
// builds the networks of a Config from package models, runs D and G steps
// over the V(D,G) loss family (nonsaturating, minimax, LSGAN, hinge,
// WGAN-GP, with R1 and label smoothing), keeps an EMA of G, and writes a
// run folder: config.json, metrics.csv, fixed-noise sample grids,
// checkpoints that resume a run bit for bit, snapshots at training times,
// and the ONNX export that package infer samples from.
//
// A program drives a run with Start, Run.Restore and Run.Train. Train
// writes no progress of its own: RunOptions.OnStep sees every step's
// metrics, RunOptions.Log gets notes and warnings. A setting the run
// cannot use is a *SettingError naming the setting as config.json does;
// SettingError.Message and RunOptions.Names word it in a program's own
// names (gan-train's flags). The kernel thread count is the caller's to
// set (tensor.SetThreads).
//
// Project, Encode and Direction work on a trained run's latent space:
// inverting images into latents, through the VAE's encoder, and class
// directions.
package train
