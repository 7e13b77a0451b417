#!/usr/bin/python3
"""Golden fixture for train/tensor's DiffAugment ops, computed by PyTorch in
float64 with the official DiffAugment-pytorch code (Zhao et al. 2020,
github.com/mit-han-lab/data-efficient-gans, DiffAugment_pytorch.py).

Run from the repository root with the system Python (torch 1.13):

    /usr/bin/python3 scripts/fixtures_augment.py

(scripts/fixtures.py runs it too.) It writes train/tensor/testdata/augment.npz,
which golden_augment_test.go compares against.

The functions below are the official ones with their random draws taken as
arguments instead of drawn inside: the colour functions get their factors
(brightness b = rand - 0.5, saturation s = rand * 2, contrast c = rand + 0.5),
rand_translation its integer shifts and rand_cutout its integer offsets. The
index arithmetic (padding, clamping, meshgrid) is kept as the official code
writes it, so the fixture checks the engine's direct formulation against it.
"""

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
from fixtures import grads, npy, randn, save  # noqa: E402

SEED = 20250109


def rand_brightness(x, b):
    return x + b


def rand_saturation(x, s):
    x_mean = x.mean(dim=1, keepdim=True)
    return (x - x_mean) * s + x_mean


def rand_contrast(x, c):
    x_mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - x_mean) * c + x_mean


def rand_translation(x, translation_x, translation_y):
    grid_batch, grid_x, grid_y = torch.meshgrid(
        torch.arange(x.size(0), dtype=torch.long),
        torch.arange(x.size(2), dtype=torch.long),
        torch.arange(x.size(3), dtype=torch.long),
        indexing="ij",
    )
    grid_x = torch.clamp(grid_x + translation_x + 1, 0, x.size(2) + 1)
    grid_y = torch.clamp(grid_y + translation_y + 1, 0, x.size(3) + 1)
    x_pad = F.pad(x, [1, 1, 1, 1, 0, 0, 0, 0])
    return x_pad.permute(0, 2, 3, 1).contiguous()[grid_batch, grid_x, grid_y].permute(0, 3, 1, 2)


def rand_cutout(x, offset_x, offset_y, ratio=0.5):
    cutout_size = int(x.size(2) * ratio + 0.5), int(x.size(3) * ratio + 0.5)
    grid_batch, grid_x, grid_y = torch.meshgrid(
        torch.arange(x.size(0), dtype=torch.long),
        torch.arange(cutout_size[0], dtype=torch.long),
        torch.arange(cutout_size[1], dtype=torch.long),
        indexing="ij",
    )
    grid_x = torch.clamp(grid_x + offset_x - cutout_size[0] // 2, min=0, max=x.size(2) - 1)
    grid_y = torch.clamp(grid_y + offset_y - cutout_size[1] // 2, min=0, max=x.size(3) - 1)
    mask = torch.ones(x.size(0), x.size(2), x.size(3), dtype=x.dtype)
    mask[grid_batch, grid_x, grid_y] = 0
    return x * mask.unsqueeze(1)


# name, N, C, H, W: an even size (cutout side even, offsets [0, H]) and odd
# sizes (side odd, offsets [0, H-1]), gray and RGB.
AUGMENT_CASES = [
    ("rgb8", 4, 3, 8, 8),
    ("rgb7x9", 3, 3, 7, 9),
    ("gray10", 3, 1, 10, 10),
]


def augment_cases(rng, note=fixtures.note_f32):
    arrays = {}
    for name, n, c, h, w in AUGMENT_CASES:
        x = randn(rng, n, c, h, w)
        # The official draws' ranges, plus shifts past the edge of the
        # image (a translation that empties it) to test the padding.
        b = (rng.random(n, dtype=np.float32) - np.float32(0.5)).astype(np.float32)
        s = (rng.random(n, dtype=np.float32) * np.float32(2)).astype(np.float32)
        cf = (rng.random(n, dtype=np.float32) + np.float32(0.5)).astype(np.float32)
        sx, sy = int(h * 0.125 + 0.5), int(w * 0.125 + 0.5)
        tx = rng.integers(-sx, sx + 1, n)
        ty = rng.integers(-sy, sy + 1, n)
        tx[0], ty[-1] = h, -w - 1
        ch, cw = int(h * 0.5 + 0.5), int(w * 0.5 + 0.5)
        ox = rng.integers(0, h + (1 - ch % 2), n)
        oy = rng.integers(0, w + (1 - cw % 2), n)
        ox[0], oy[0] = 0, w - cw % 2  # the extremes of the official range
        res = {}
        for dt in (torch.float64, torch.float32):
            tx_ = torch.tensor(x, dtype=dt, requires_grad=True)
            col = lambda v: torch.tensor(v, dtype=dt).view(n, 1, 1, 1)  # noqa: E731
            idx = lambda v: torch.tensor(v, dtype=torch.long).view(n, 1, 1)  # noqa: E731
            ys = {
                "brightness": rand_brightness(tx_, col(b)),
                "saturation": rand_saturation(tx_, col(s)),
                "contrast": rand_contrast(tx_, col(cf)),
                "translation": rand_translation(tx_, idx(tx), idx(ty)),
                "cutout": rand_cutout(tx_, idx(ox), idx(oy)),
            }
            # The policy "color,translation,cutout", in the official order.
            y = rand_contrast(rand_saturation(rand_brightness(tx_, col(b)), col(s)), col(cf))
            ys["policy"] = rand_cutout(rand_translation(y, idx(tx), idx(ty)), idx(ox), idx(oy))
            out = {}
            for op, y in ys.items():
                key = f"w_{op}"
                if dt == torch.float64:
                    arrays[f"{name}/{key}"] = randn(rng, *y.shape)
                g = grads(y, [tx_], torch.tensor(arrays[f"{name}/{key}"], dtype=dt))
                out[f"y_{op}"], out[f"g_{op}"] = npy(y), npy(g[id(tx_)])
            res[dt] = out
        note("augment", res[torch.float32], res[torch.float64])
        arrays.update({f"{name}/x": x, f"{name}/b": b, f"{name}/s": s, f"{name}/c": cf,
                       f"{name}/tx": tx, f"{name}/ty": ty, f"{name}/ox": ox, f"{name}/oy": oy,
                       f"{name}/cutout": [ch, cw]})
        for k, v in res[torch.float64].items():
            arrays[f"{name}/{k}"] = v
    save("augment.npz", arrays)


def main():
    torch.set_num_threads(1)
    augment_cases(np.random.default_rng(SEED))
    for case, (r, name) in sorted(fixtures._f32_worst.items()):
        print(f"PyTorch float32 vs float64, worst relative norm: {case} {r:.2e} ({name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
