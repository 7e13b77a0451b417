#!/usr/bin/python3
"""Golden fixtures for train/tensor, computed by PyTorch in float64.

Run from the repository root with the system Python (torch 1.13):

    /usr/bin/python3 scripts/fixtures.py

It rewrites train/tensor/testdata/*.npz, train/nn/testdata/spectralnorm.npz
(and the .npz reader's own sample, train/tensor/tensortest/testdata/npy_formats.npz);
the golden tests compare the engine against them per tensor by relative norm
||got-want||/||want||.
The DiffAugment fixture (augment.npz) comes from scripts/fixtures_augment.py,
which this runs.

Every input is drawn in float32 and only then widened to float64, so the
float32 engine sees exactly the inputs PyTorch saw. Op cases store their
inputs; the DCGAN case does not store its ~900k parameters (that would be
megabytes) but draws them from a counter-based splitmix64 stream keyed by
the parameter name, which golden_test.go reproduces bit for bit. Each
parameter's float64 sum is stored so a generator mismatch is reported as
such rather than as a gradient error.

Each case also prints how far PyTorch's own float32 result is from its
float64 result: that is what a correct float32 engine can be expected to
reach, and it explains any tensor that cannot meet the test tolerance.
"""

import io
import os
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train", "tensor", "testdata")

torch.use_deterministic_algorithms(True)

# ---------------------------------------------------------------- helpers

_f32_worst = {}


def randn(rng, *shape, mean=0.0, std=1.0):
    return (mean + std * rng.standard_normal(shape, dtype=np.float32)).astype(np.float32)


def npy(t):
    return t.detach().cpu().numpy().astype(np.float64)


def relnorm(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    nb = np.linalg.norm(b)
    return np.linalg.norm(a - b) / (nb if nb > 0 else 1.0)


def note_f32(case, got32, want64):
    """Track PyTorch float32's distance from float64 for the summary."""
    for name, g in got32.items():
        r = relnorm(g, want64[name])
        key = case
        if r > _f32_worst.get(key, (0, ""))[0]:
            _f32_worst[key] = (r, name)


def savez(path, arrays):
    """np.savez_compressed with fixed entry timestamps, so that rerunning the
    script rewrites identical bytes and git shows no spurious change."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(v), allow_pickle=False)
            info = zipfile.ZipInfo(k + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def save(fname, arrays, out_dir=OUT):
    path = os.path.join(out_dir, fname)
    out = {}
    for k, v in arrays.items():
        v = np.asarray(v)
        if v.dtype.kind == "f" and v.dtype != np.float32:
            v = v.astype(np.float64)
        elif v.dtype.kind in "iu":
            v = v.astype(np.int64)
        out[k] = np.array(v, order="C")  # keeps 0-d arrays 0-d
    savez(path, out)
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes, {len(out)} arrays)")


def grads(outs, inputs, w_out):
    """Gradients of sum(w_out * out) with respect to inputs (None skipped)."""
    loss = (outs * w_out).sum()
    live = [x for x in inputs if x is not None]
    gs = torch.autograd.grad(loss, live)
    return dict(zip([id(x) for x in live], gs))


# ---------------------------------------------------------------- conv2d

CONV_CASES = [
    # name, N, C, H, W, F, kH, kW, stride, pad, bias
    ("k3s1p0_bias", 2, 3, 7, 5, 4, 3, 3, 1, 0, True),
    ("k3s1p1_nobias", 2, 3, 6, 9, 5, 3, 3, 1, 1, False),
    ("k3s2p1_bias", 3, 2, 9, 6, 4, 3, 3, 2, 1, True),
    ("k4s2p1_bias", 2, 3, 8, 8, 6, 4, 4, 2, 1, True),
    ("k1s1p0_bias", 2, 4, 5, 3, 3, 1, 1, 1, 0, True),
    ("k3s3p2_nobias", 1, 3, 10, 7, 2, 3, 3, 3, 2, False),
    ("k3x2s2p1_bias", 2, 2, 7, 8, 3, 3, 2, 2, 1, True),
]


def conv2d_cases(rng):
    arrays = {}
    for name, n, c, h, w, f, kh, kw, s, p, bias in CONV_CASES:
        x = randn(rng, n, c, h, w)
        wt = randn(rng, f, c, kh, kw, std=0.3)
        b = randn(rng, f) if bias else None
        res = {}
        for dt in (torch.float64, torch.float32):
            tx = torch.tensor(x, dtype=dt, requires_grad=True)
            tw = torch.tensor(wt, dtype=dt, requires_grad=True)
            tb = torch.tensor(b, dtype=dt, requires_grad=True) if bias else None
            y = F.conv2d(tx, tw, tb, stride=s, padding=p)
            if dt == torch.float64:
                w_out = randn(rng, *y.shape)
            g = grads(y, [tx, tw, tb], torch.tensor(w_out, dtype=dt))
            res[dt] = {"y": npy(y), "gx": npy(g[id(tx)]), "gw": npy(g[id(tw)])}
            if bias:
                res[dt]["gb"] = npy(g[id(tb)])
        note_f32("conv2d", res[torch.float32], res[torch.float64])
        arrays.update({f"{name}/x": x, f"{name}/w": wt, f"{name}/w_out": w_out,
                       f"{name}/stride": [s], f"{name}/pad": [p]})
        if bias:
            arrays[f"{name}/b"] = b
        for k, v in res[torch.float64].items():
            arrays[f"{name}/{k}"] = v
    save("conv2d.npz", arrays)


# ---------------------------------------------------------------- conv_transpose2d

CONVT_CASES = [
    # name, N, C, H, W, F, kH, kW, stride, pad, outPad, bias
    ("k3s1p0_bias", 2, 3, 4, 5, 2, 3, 3, 1, 0, 0, True),
    ("k3s2p1_nobias", 2, 3, 4, 4, 4, 3, 3, 2, 1, 0, False),
    ("k3s2p1op1_bias", 2, 2, 5, 3, 3, 3, 3, 2, 1, 1, True),
    ("k3s3p1op2_bias", 1, 3, 3, 4, 2, 3, 3, 3, 1, 2, True),
    ("k4s2p1_bias", 2, 4, 4, 4, 3, 4, 4, 2, 1, 0, True),
    ("k4s2p1_nobias", 3, 5, 3, 6, 2, 4, 4, 2, 1, 0, False),
    ("k2x3s2p0op1_bias", 2, 2, 3, 4, 3, 2, 3, 2, 0, 1, True),
]


def convt_cases(rng):
    arrays = {}
    for name, n, c, h, w, f, kh, kw, s, p, op, bias in CONVT_CASES:
        x = randn(rng, n, c, h, w)
        wt = randn(rng, c, f, kh, kw, std=0.3)
        b = randn(rng, f) if bias else None
        res = {}
        for dt in (torch.float64, torch.float32):
            tx = torch.tensor(x, dtype=dt, requires_grad=True)
            tw = torch.tensor(wt, dtype=dt, requires_grad=True)
            tb = torch.tensor(b, dtype=dt, requires_grad=True) if bias else None
            y = F.conv_transpose2d(tx, tw, tb, stride=s, padding=p, output_padding=op)
            if dt == torch.float64:
                w_out = randn(rng, *y.shape)
            g = grads(y, [tx, tw, tb], torch.tensor(w_out, dtype=dt))
            res[dt] = {"y": npy(y), "gx": npy(g[id(tx)]), "gw": npy(g[id(tw)])}
            if bias:
                res[dt]["gb"] = npy(g[id(tb)])
        note_f32("convtranspose2d", res[torch.float32], res[torch.float64])
        arrays.update({f"{name}/x": x, f"{name}/w": wt, f"{name}/w_out": w_out,
                       f"{name}/stride": [s], f"{name}/pad": [p], f"{name}/outpad": [op]})
        if bias:
            arrays[f"{name}/b"] = b
        for k, v in res[torch.float64].items():
            arrays[f"{name}/{k}"] = v
    save("convtranspose2d.npz", arrays)


# ---------------------------------------------------------------- batch norm

BN_CASES = [
    # name, shape, training
    ("train_2d", (6, 5), True),
    ("train_4d", (3, 4, 5, 3), True),
    ("eval_2d", (6, 5), False),
    ("eval_4d", (3, 4, 5, 3), False),
    ("train_4d_n1", (1, 3, 4, 4), True),
]
BN_MOMENTUM, BN_EPS = 0.1, 1e-5


def batchnorm_cases(rng):
    arrays = {}
    for name, shape, training in BN_CASES:
        c = shape[1]
        # Offset and scaled inputs so that centring and scaling both matter.
        x = randn(rng, *shape, mean=1.5, std=2.0)
        gamma = randn(rng, c, mean=1.0, std=0.3)
        beta = randn(rng, c, std=0.5)
        rm0 = randn(rng, c, std=0.5)
        rv0 = (0.5 + rng.random(c, dtype=np.float32)).astype(np.float32)
        res = {}
        for dt in (torch.float64, torch.float32):
            tx = torch.tensor(x, dtype=dt, requires_grad=True)
            tg = torch.tensor(gamma, dtype=dt, requires_grad=True)
            tb = torch.tensor(beta, dtype=dt, requires_grad=True)
            rm = torch.tensor(rm0, dtype=dt)
            rv = torch.tensor(rv0, dtype=dt)
            y = F.batch_norm(tx, rm, rv, tg, tb, training=training, momentum=BN_MOMENTUM, eps=BN_EPS)
            if dt == torch.float64:
                w_out = randn(rng, *y.shape)
            g = grads(y, [tx, tg, tb], torch.tensor(w_out, dtype=dt))
            res[dt] = {"y": npy(y), "gx": npy(g[id(tx)]), "ggamma": npy(g[id(tg)]),
                       "gbeta": npy(g[id(tb)]), "running_mean": npy(rm), "running_var": npy(rv)}
        note_f32("batchnorm", res[torch.float32], res[torch.float64])
        arrays.update({f"{name}/x": x, f"{name}/gamma": gamma, f"{name}/beta": beta,
                       f"{name}/running_mean0": rm0, f"{name}/running_var0": rv0,
                       f"{name}/w_out": w_out, f"{name}/training": [int(training)],
                       f"{name}/momentum": [BN_MOMENTUM], f"{name}/eps": [BN_EPS]})
        for k, v in res[torch.float64].items():
            arrays[f"{name}/{k}"] = v
    save("batchnorm.npz", arrays)


# ---------------------------------------------------------------- pooling

POOL_CASES = [
    # name, kind, N, C, H, W, k, stride, pad
    ("max_k2s2p0", "max", 2, 3, 6, 8, 2, 2, 0),
    ("max_k3s2p1", "max", 2, 2, 7, 5, 3, 2, 1),
    ("max_k3s1p1", "max", 1, 3, 5, 6, 3, 1, 1),
    ("max_k2s1p0", "max", 2, 2, 5, 4, 2, 1, 0),
    ("avg_k2s2p0", "avg", 2, 3, 6, 8, 2, 2, 0),
    ("avg_k3s2p1", "avg", 2, 2, 7, 5, 3, 2, 1),
    ("avg_k3s1p1", "avg", 1, 3, 5, 6, 3, 1, 1),
]


def pool_cases(rng):
    arrays = {}
    for name, kind, n, c, h, w, k, s, p in POOL_CASES:
        x = randn(rng, n, c, h, w)
        res = {}
        for dt in (torch.float64, torch.float32):
            tx = torch.tensor(x, dtype=dt, requires_grad=True)
            if kind == "max":
                y = F.max_pool2d(tx, k, s, p)
            else:
                # PyTorch's default: padded zeros count in the divisor.
                y = F.avg_pool2d(tx, k, s, p, count_include_pad=True)
            if dt == torch.float64:
                w_out = randn(rng, *y.shape)
            g = grads(y, [tx], torch.tensor(w_out, dtype=dt))
            res[dt] = {"y": npy(y), "gx": npy(g[id(tx)])}
        note_f32("pool", res[torch.float32], res[torch.float64])
        arrays.update({f"{name}/x": x, f"{name}/w_out": w_out, f"{name}/k": [k],
                       f"{name}/stride": [s], f"{name}/pad": [p],
                       f"{name}/max": [int(kind == "max")]})
        for kk, v in res[torch.float64].items():
            arrays[f"{name}/{kk}"] = v
    save("pool.npz", arrays)


# ---------------------------------------------------------------- resampling

RESAMPLE_CASES = [
    # name, kind, N, C, H, W, F (conv filters), scale, bias
    ("up_s2", "up", 2, 3, 4, 5, 0, 2, False),
    ("up_s3", "up", 1, 2, 3, 2, 0, 3, False),
    ("upconv_bias", "upconv", 2, 3, 4, 4, 5, 2, True),
    ("upconv_nobias", "upconv", 1, 4, 3, 5, 2, 2, False),
    ("convpool_bias", "convpool", 2, 3, 6, 6, 4, 2, True),
    ("convpool_odd_nobias", "convpool", 1, 2, 7, 5, 3, 2, False),
]


def resample_cases(rng):
    """Nearest upsampling, upsampling then a padded 3x3 conv (the residual
    generator's up path), and a padded 3x3 conv then 2x2 average pooling
    (the discriminator's down path), each in its two-step PyTorch form."""
    arrays = {}
    for name, kind, n, c, h, w, f, scale, bias in RESAMPLE_CASES:
        x = randn(rng, n, c, h, w)
        wt = randn(rng, f, c, 3, 3, std=0.3) if f else None
        b = randn(rng, f) if bias else None
        res = {}
        for dt in (torch.float64, torch.float32):
            tx = torch.tensor(x, dtype=dt, requires_grad=True)
            tw = torch.tensor(wt, dtype=dt, requires_grad=True) if f else None
            tb = torch.tensor(b, dtype=dt, requires_grad=True) if bias else None
            if kind == "up":
                y = F.interpolate(tx, scale_factor=scale, mode="nearest")
            elif kind == "upconv":
                y = F.conv2d(F.interpolate(tx, scale_factor=2, mode="nearest"), tw, tb, padding=1)
            else:
                y = F.avg_pool2d(F.conv2d(tx, tw, tb, padding=1), 2)
            if dt == torch.float64:
                w_out = randn(rng, *y.shape)
            g = grads(y, [tx, tw, tb], torch.tensor(w_out, dtype=dt))
            res[dt] = {"y": npy(y), "gx": npy(g[id(tx)])}
            if f:
                res[dt]["gw"] = npy(g[id(tw)])
            if bias:
                res[dt]["gb"] = npy(g[id(tb)])
        note_f32("resample", res[torch.float32], res[torch.float64])
        arrays.update({f"{name}/x": x, f"{name}/w_out": w_out, f"{name}/scale": [scale],
                       f"{name}/kind": [["up", "upconv", "convpool"].index(kind)]})
        if f:
            arrays[f"{name}/w"] = wt
        if bias:
            arrays[f"{name}/b"] = b
        for k, v in res[torch.float64].items():
            arrays[f"{name}/{k}"] = v
    save("resample.npz", arrays)


# ---------------------------------------------------------------- DCGAN

MASK64 = (1 << 64) - 1


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for ch in s.encode():
        h = ((h ^ ch) * 0x100000001B3) & MASK64
    return h


def param_stream(name, shape, lo, hi):
    """float32(lo + (hi-lo)*u), u = splitmix64(fnv1a64(name) + (i+1)*gamma) >> 40 / 2^24.

    Counter-based, so element i depends only on (name, i); the float64
    expression is exact and the final rounding to float32 is round-to-even
    in both numpy and Go.
    """
    n = int(np.prod(shape))
    seed = np.uint64(fnv1a64(name))
    i = np.arange(1, n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = seed + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) * 2.0**-24
    return (lo + (hi - lo) * u).astype(np.float32).reshape(shape)


# name -> (lo, hi). BatchNorm scales sit around 1; other weights are sized so
# that pre-activations are O(1) and the logits are neither saturated nor tiny.
DCGAN_INIT = {
    "G.0.weight": (-0.125, 0.125),
    "G.2.weight": (0.5, 1.5), "G.2.bias": (-0.5, 0.5),
    "G.4.weight": (-0.0625, 0.0625),
    "G.5.weight": (0.5, 1.5), "G.5.bias": (-0.5, 0.5),
    "G.7.weight": (-0.125, 0.125), "G.7.bias": (-0.125, 0.125),
    "D.0.weight": (-0.25, 0.25), "D.0.bias": (-0.125, 0.125),
    "D.2.weight": (-0.0625, 0.0625),
    "D.3.weight": (0.5, 1.5), "D.3.bias": (-0.5, 0.5),
    "D.6.weight": (-0.03125, 0.03125), "D.6.bias": (-0.125, 0.125),
}
DCGAN_BATCH, NZ = 8, 100


def dcgan_nets():
    G = nn.Sequential(
        nn.Linear(NZ, 128 * 7 * 7, bias=False),  # 0
        nn.Unflatten(1, (128, 7, 7)),  # 1
        nn.BatchNorm2d(128),  # 2
        nn.ReLU(),  # 3
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),  # 4
        nn.BatchNorm2d(64),  # 5
        nn.ReLU(),  # 6
        nn.ConvTranspose2d(64, 1, 4, 2, 1),  # 7
        nn.Tanh(),  # 8
    )
    D = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1),  # 0
        nn.LeakyReLU(0.2),  # 1
        nn.Conv2d(64, 128, 4, 2, 1, bias=False),  # 2
        nn.BatchNorm2d(128),  # 3
        nn.LeakyReLU(0.2),  # 4
        nn.Flatten(),  # 5
        nn.Linear(128 * 7 * 7, 1),  # 6
    )
    return G, D


def dcgan_run(dt, z, x_real):
    """One D loss and one G loss on the same fake batch, all modules training.

    Call order (it fixes the running statistics): G(z) once; D(x_real),
    D(fake.detach()), D(fake).
    """
    G, D = dcgan_nets()
    params = {}
    for prefix, net in (("G", G), ("D", D)):
        net.to(dt).train()
        for pname, p in net.named_parameters():
            full = f"{prefix}.{pname}"
            lo, hi = DCGAN_INIT[full]
            with torch.no_grad():
                p.copy_(torch.tensor(param_stream(full, tuple(p.shape), lo, hi), dtype=dt))
            params[full] = p
    assert set(params) == set(DCGAN_INIT), sorted(set(params) ^ set(DCGAN_INIT))
    tz = torch.tensor(z, dtype=dt)
    tx = torch.tensor(x_real, dtype=dt)
    fake = G(tz)
    d_real = D(tx)
    d_fake = D(fake.detach())
    ones = torch.ones_like(d_real)
    loss_d = F.binary_cross_entropy_with_logits(d_real, ones) + \
        F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
    d_params = [params[k] for k in params if k.startswith("D.")]
    gd = torch.autograd.grad(loss_d, d_params)
    d_gen = D(fake)
    loss_g = F.binary_cross_entropy_with_logits(d_gen, ones)
    g_params = [params[k] for k in params if k.startswith("G.")]
    gg = torch.autograd.grad(loss_g, g_params)
    out = {"fake": npy(fake), "d_real": npy(d_real), "d_fake": npy(d_fake), "d_gen": npy(d_gen),
           "loss_d": npy(loss_d), "loss_g": npy(loss_g)}
    for p, g in zip(d_params + g_params, list(gd) + list(gg)):
        name = next(k for k, v in params.items() if v is p)
        out[f"grad/{name}"] = npy(g)
    for prefix, net in (("G", G), ("D", D)):
        for bname, b in net.named_buffers():
            if "running" in bname:
                out[f"{prefix}.{bname}"] = npy(b)
    return out, params


def dcgan_case(rng):
    z = randn(rng, DCGAN_BATCH, NZ)
    x_real = (rng.random((DCGAN_BATCH, 1, 28, 28), dtype=np.float32) * 2 - 1).astype(np.float32)
    want, params = dcgan_run(torch.float64, z, x_real)
    got32, _ = dcgan_run(torch.float32, z, x_real)
    note_f32("dcgan", got32, want)
    for k in sorted(want):
        if k.startswith("grad/"):
            print(f"  dcgan {k:18s} torch f32 vs f64 {relnorm(got32[k], want[k]):.2e}")
    arrays = {"z": z, "x_real": x_real}
    for k, v in want.items():
        if k.startswith("grad/"):
            # float32 storage keeps the file at half the size; the rounding
            # moves the reference by at most 2^-24 relative (~6e-8), far
            # below the 1e-5 tolerance.
            v = v.astype(np.float32)
        arrays[k] = v
    for name, p in params.items():
        lo, hi = DCGAN_INIT[name]
        arrays[f"init/{name}"] = np.array([lo, hi, p.detach().double().sum().item()])
    print(f"  dcgan loss_d {want['loss_d']:.6f} loss_g {want['loss_g']:.6f}")
    save("dcgan.npz", arrays)


# ---------------------------------------------------------------- spectral norm

NN_OUT = os.path.join(os.path.dirname(os.path.dirname(OUT)), "nn", "testdata")

SN_CASES = [
    # name, module factory, input shape (None: embedding indices)
    ("linear", lambda: nn.Linear(6, 4), (3, 6)),
    ("conv2d", lambda: nn.Conv2d(3, 4, 3, 1, 1), (2, 3, 5, 5)),
    ("convtranspose2d", lambda: nn.ConvTranspose2d(3, 2, 4, 2, 1), (2, 3, 3, 3)),
    ("embedding", lambda: nn.Embedding(5, 3), None),
]
SN_STEPS, SN_LR = 3, 0.5
SN_IDX = [1, 4, 1, 0]


def sn_run(dt, make, state0, xs, w_outs, x_eval):
    """SN_STEPS training steps of torch.nn.utils.spectral_norm(m): forward
    (one power step), the gradients of L = sum(w_out * y) with respect to x,
    weight_orig and bias, the gradient of R1 = sum((dL/dx)^2) with respect
    to weight_orig (double backward), then SGD on weight_orig and bias. Then
    one eval-mode forward, which must leave u and v alone."""
    m = nn.utils.spectral_norm(make().to(dt))
    with torch.no_grad():
        for k, v in m.state_dict().items():
            v.copy_(torch.tensor(state0[k], dtype=dt))
    m.train()
    out = {}
    params = dict(m.named_parameters())
    for t, (x, w_out) in enumerate(zip(xs, w_outs)):
        if x.dtype.kind == "f":
            tx = torch.tensor(x, dtype=dt, requires_grad=True)
        else:
            tx = torch.tensor(x)
        y = m(tx)
        loss = (y * torch.tensor(w_out, dtype=dt)).sum()
        live = ([tx] if tx.is_floating_point() else []) + [params[k] for k in sorted(params)]
        gs = torch.autograd.grad(loss, live, create_graph=tx.is_floating_point())
        res = dict(zip((["x"] if tx.is_floating_point() else []) + sorted(params), gs))
        out[f"step{t}/y"] = npy(y)
        for k, g in res.items():
            out[f"step{t}/grad_{k}"] = npy(g)
        if tx.is_floating_point():
            r1 = (res["x"] ** 2).sum()
            (gr,) = torch.autograd.grad(r1, [params["weight_orig"]])
            out[f"step{t}/r1_grad_weight_orig"] = npy(gr)
        out[f"step{t}/weight_u"] = npy(m.weight_u)
        out[f"step{t}/weight_v"] = npy(m.weight_v)
        with torch.no_grad():
            for k in params:
                params[k] -= SN_LR * res[k]
    m.eval()
    tx = torch.tensor(x_eval, dtype=dt) if x_eval.dtype.kind == "f" else torch.tensor(x_eval)
    out["eval/y"] = npy(m(tx))
    out["eval/weight_u"] = npy(m.weight_u)
    for k, v in m.state_dict().items():
        out[f"final/{k}"] = npy(v)
    return out


def spectral_norm_cases():
    # Its own stream, so the other fixtures stay as they were.
    rng = np.random.default_rng(20260301)
    arrays = {}
    for name, make, xshape in SN_CASES:
        torch.manual_seed(0)
        proto = nn.utils.spectral_norm(make())
        state0 = {}
        for k, v in proto.state_dict().items():
            a = randn(rng, *v.shape, std=0.5)
            if k in ("weight_u", "weight_v"):
                a = (a / np.linalg.norm(a.astype(np.float64))).astype(np.float32)
            state0[k] = a
        if xshape is None:
            xs = [np.array(SN_IDX, dtype=np.int64) for _ in range(SN_STEPS)]
            x_eval = np.array(SN_IDX[::-1], dtype=np.int64)
        else:
            xs = [randn(rng, *xshape) for _ in range(SN_STEPS)]
            x_eval = randn(rng, *xshape)
        with torch.no_grad():
            yshape = proto(torch.tensor(xs[0])).shape
        w_outs = [randn(rng, *yshape) for _ in range(SN_STEPS)]
        want = sn_run(torch.float64, make, state0, xs, w_outs, x_eval)
        got32 = sn_run(torch.float32, make, state0, xs, w_outs, x_eval)
        note_f32("spectralnorm", got32, want)
        for k, v in state0.items():
            arrays[f"{name}/init/{k}"] = v
        for t in range(SN_STEPS):
            arrays[f"{name}/step{t}/x"] = xs[t]
            arrays[f"{name}/step{t}/w_out"] = w_outs[t]
        arrays[f"{name}/eval/x"] = x_eval
        for k, v in want.items():
            arrays[f"{name}/{k}"] = v
    arrays["steps"] = [SN_STEPS]
    arrays["lr"] = [SN_LR]
    os.makedirs(NN_OUT, exist_ok=True)
    save("spectralnorm.npz", arrays, NN_OUT)


# ---------------------------------------------------------------- npy formats

def npy_formats():
    """Small arrays of each supported dtype for the reader's own test."""
    save_raw = {
        "f8_2x3": np.arange(6, dtype=np.float64).reshape(2, 3) / 4 - 0.5,
        "f4_3": np.array([1.5, -2.25, 3e-8], dtype=np.float32),
        "i8_2x2x2": np.arange(8, dtype=np.int64).reshape(2, 2, 2) - 3,
        "scalar": np.float64(2.5),
        "empty": np.zeros((0, 4), dtype=np.float64),
    }
    out = os.path.join(os.path.dirname(OUT), "tensortest", "testdata")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "npy_formats.npz")
    savez(path, save_raw)
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    rng = np.random.default_rng(20240601)
    conv2d_cases(rng)
    convt_cases(rng)
    batchnorm_cases(rng)
    pool_cases(rng)
    dcgan_case(rng)
    spectral_norm_cases()
    # Its own stream, so that adding it left the fixtures above unchanged.
    resample_cases(np.random.default_rng(20250901))
    npy_formats()
    import fixtures_augment  # after the cases above: it has its own rng
    fixtures_augment.augment_cases(np.random.default_rng(fixtures_augment.SEED), note=note_f32)
    print("PyTorch float32 vs float64, worst relative norm per case:")
    for case, (r, name) in sorted(_f32_worst.items()):
        print(f"  {case:16s} {r:.2e} ({name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
