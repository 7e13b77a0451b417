#!/usr/bin/python3
"""PyTorch peer for gogan's `make bench`.

Runs one configuration per process so that peak RSS (ru_maxrss) belongs to
that configuration alone, and prints one machine-readable line that
scripts/benchreport pairs with the Go benchmarks:

    peer train batch=64 image=28x28x1 malloc=tuned images_per_s=446.1 ... peak_rss_mb=312.4 other_cpu=0.02 blas=openblas threads=2
    peer infer batch=1024 image=28x28x1 malloc=default images_per_s=1741.0 ...
    peer sgemm size=1024 malloc=default gflops=198.9 ...

other_cpu is how many cores other processes kept busy while this one was
timed; above a few tenths the numbers are not to be trusted.

glibc's malloc makes torch slow: by default it hands large freed blocks
back to the system, so every step page-faults its tensors in again (about
half of a DCGAN step on Debian's torch). With MALLOC_MMAP_THRESHOLD_,
MALLOC_TRIM_THRESHOLD_ and MALLOC_TOP_PAD_ set (TUNED_MALLOC) the same
script runs about 2x faster. --malloc both (the default) therefore runs each
configuration twice, each in a fresh process started with the default and
with the tuned environment, and prints both lines (malloc=default,
malloc=tuned); scripts/benchreport takes the faster as the peer. glibc reads
these variables only at start-up, hence the separate processes.

Modes:
    --mode train --batch N   one canonical pytorch/examples DCGAN step (D then G)
                             on --image 28x28x1 (MNIST's model) or 64x64x3 (the RGB DCGAN
                             gan-train builds for image folders)
    --mode infer --batch N   G forward in eval mode under torch.no_grad()
    --mode sgemm --size N    torch.mm of two NxN float32 matrices (the BLAS gogan's sgemm faces)
    --mode quality --minutes M --snapshots 1,3,10 --out DIR [--recipe classic|modern]
                             train the same DCGAN on real MNIST for M minutes and, at each
                             snapshot (minutes of training), save --n samples of G in eval
                             mode (or of its moving average, with --ema) from fixed noise to
                             DIR/<snapshot>m.npy, (N,1,28,28) float32 in [-1, 1], for
                             `gan-eval --npy`; DIR/snapshots.csv records the step and training
                             time of each, DIR/config.json the settings (make bench-quality).
                             --recipe sets the training as gan-train's recipe of that name
                             does (train/recipe.go; classic, the default here, is the
                             pytorch/examples DCGAN); --loss, --ema, --ema-warmup, --lr-g,
                             --lr-d, --beta1, --beta2, --spectral-norm and --batch override it

In train, infer and sgemm modes data loading is excluded on both sides: real images are a fixed random tensor
in [-1, 1]. Times are the median over steps after a warmup, because a median
shrugs off the odd scheduler hiccup that a mean would carry.

Run with /usr/bin/python3 (Debian's torch 1.13); pyenv's python3 has no torch.
"""

import argparse
import gzip
import os
import re
import resource
import statistics
import subprocess
import sys
import time

# The environment that keeps glibc's malloc from returning memory to the
# system between steps (see the module doc).
TUNED_MALLOC = {
    "MALLOC_MMAP_THRESHOLD_": "1073741824",
    "MALLOC_TRIM_THRESHOLD_": "4294967296",
    "MALLOC_TOP_PAD_": "268435456",
}



def malloc_arg(argv, name, default):
    """The value of --name in argv, before argparse runs."""
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def malloc_env(mode):
    """This environment with glibc's malloc set to mode (default or tuned)."""
    env = {k: v for k, v in os.environ.items() if k not in TUNED_MALLOC}
    if mode == "tuned":
        env.update(TUNED_MALLOC)
    return env


def dispatch_malloc(argv):
    """Make this process run under the malloc that --malloc asks for, before
    torch is imported: 'both' runs the script twice in child processes
    (default, then tuned) and exits with the worse status; 'default' or
    'tuned' re-executes the script when the environment differs, since glibc
    reads it only at start-up. Returns the mode this process runs."""
    mode = malloc_arg(argv, "--malloc", "both")
    if mode not in ("default", "tuned", "both"):
        sys.exit("peer: --malloc %s: want default, tuned or both" % mode)
    if mode == "both" and malloc_arg(argv, "--mode", "") == "quality":
        mode = "tuned"  # one training run: the faster peer
    rest = []
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a == "--malloc":
            skip = True
        elif not a.startswith("--malloc="):
            rest.append(a)
    script = os.path.abspath(sys.argv[0])
    if mode == "both":
        status = 0
        for m in ("default", "tuned"):
            rc = subprocess.call([sys.executable, script] + rest + ["--malloc", m], env=malloc_env(m))
            status = max(status, rc)
        sys.exit(status)
    if malloc_env(mode) != dict(os.environ):
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable, script] + rest + ["--malloc", mode], malloc_env(mode))
    return mode


if __name__ == "__main__":
    MALLOC = dispatch_malloc(sys.argv[1:])

import torch
import torch.nn as nn

NZ = 100


NGF = 64

def dcgan_plan(size):
    """(base, blocks) as gogan's models.dcganPlan: 28 -> 7x7 and two blocks."""
    plans = {28: (7, 2), 32: (4, 3), 64: (4, 4)}
    if size not in plans:
        sys.exit("peer: image size %d: the dcgan model supports 28, 32 or 64" % size)
    return plans[size]


class Generator(nn.Module):
    """gogan's DCGAN G: Linear to (width, base, base), then per block BatchNorm,
    ReLU and ConvTranspose2d(k4, s2, p1), then Tanh. For 28x28x1 that is
    z(100) -> 128x7x7 -> 64x14x14 -> 1x28x28; for 64x64x3,
    512x4x4 -> 256x8x8 -> 128x16x16 -> 64x32x32 -> 3x64x64."""

    def __init__(self, size=28, channels=1):
        super().__init__()
        base, blocks = dcgan_plan(size)
        width = NGF << (blocks - 1)
        self.shape = (width, base, base)
        self.fc = nn.Linear(NZ, width * base * base, bias=False)
        layers = []
        for b in range(blocks):
            last = b == blocks - 1
            out = channels if last else width // 2
            layers += [nn.BatchNorm2d(width), nn.ReLU(True),
                       nn.ConvTranspose2d(width, out, 4, 2, 1, bias=last)]
            width = out
        layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(self.fc(z).view(-1, *self.shape))


class Discriminator(nn.Module):
    """gogan's DCGAN D: Conv2d(k4, s2, p1) blocks with LeakyReLU(0.2), BatchNorm
    after all but the first, then Linear to one logit. For 28x28x1:
    1x28x28 -> 64x14x14 -> 128x7x7 -> one logit. With spectral_norm it is
    gogan's SN-DCGAN D (models/dcgan.go): no BatchNorm, every conv with a
    bias, and, once dcgan_init has run, spectral_norm on every Conv2d and
    Linear (apply_spectral_norm)."""

    def __init__(self, size=28, channels=1, spectral_norm=False):
        super().__init__()
        base, blocks = dcgan_plan(size)
        layers, cin, width = [], channels, NGF
        for b in range(blocks):
            layers.append(nn.Conv2d(cin, width, 4, 2, 1, bias=b == 0 or spectral_norm))
            if b > 0 and not spectral_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.LeakyReLU(0.2, True))
            cin, width = width, width * 2
        layers += [nn.Flatten(), nn.Linear(cin * base * base, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def parse_image(s):
    """'64x64x3' -> (64, 3): square images of that side and channel count."""
    m = re.fullmatch(r"(\d+)x(\d+)x([13])", s)
    if not m or m.group(1) != m.group(2):
        sys.exit("peer: --image %s: want SIDExSIDExCHANNELS, e.g. 28x28x1 or 64x64x3" % s)
    return int(m.group(1)), int(m.group(3))


def dcgan_init(m):
    """pytorch/examples dcgan weights_init, extended to Linear like gogan's init."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def apply_spectral_norm(m):
    """torch.nn.utils.spectral_norm (one power iteration per training forward)
    on every Conv2d and Linear of m, as gogan's nn.ApplySpectralNorm on D.
    Call it after dcgan_init: the normalised weight_orig starts as the
    initialised weight, as in gogan."""
    for name, child in m.named_children():
        if isinstance(child, (nn.Conv2d, nn.Linear)):
            setattr(m, name, nn.utils.spectral_norm(child))
        else:
            apply_spectral_norm(child)


# The settings each of gogan's recipes implies (train/recipe.go: classic is
# DefaultConfig, modern is modernSettings), by the names of this script's
# flags. A recipe leaves the batch size alone (64 in both). Any flag given
# overrides the recipe's value (resolve_recipe).
RECIPES = {
    "classic": dict(loss="nonsaturating", lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.999,
                    ema=0.0, ema_warmup=False, spectral_norm=False),
    "modern": dict(loss="hinge", lr_g=8e-4, lr_d=8e-4, beta1=0.5, beta2=0.999,
                   ema=0.99, ema_warmup=True, spectral_norm=False),
}
LOSSES = ("nonsaturating", "minimax", "lsgan", "hinge")


def resolve_recipe(args):
    """Fill every knob the command line left unset (None) from args.recipe."""
    for k, v in RECIPES[args.recipe].items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.batch is None:
        args.batch = 64
    if not 0 <= args.ema < 1:
        sys.exit("peer: --ema %g: the decay must be in [0, 1), e.g. 0.99" % args.ema)
    return args


def d_loss(loss, real, fake):
    """D's loss from its raw outputs on a real and a generated batch, as
    gogan's Loss.DLoss (train/loss.go) with real target 1."""
    if loss in ("nonsaturating", "minimax"):
        bce = nn.functional.binary_cross_entropy_with_logits
        return bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
    if loss == "lsgan":
        mse = nn.functional.mse_loss
        return 0.5 * (mse(real, torch.ones_like(real)) + mse(fake, torch.zeros_like(fake)))
    if loss == "hinge":
        return torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()
    raise ValueError("peer: unknown loss " + loss)


def g_loss(loss, fake):
    """G's loss from D's raw outputs on a generated batch (gogan's Loss.GLoss)."""
    bce = nn.functional.binary_cross_entropy_with_logits
    if loss == "nonsaturating":
        return bce(fake, torch.ones_like(fake))
    if loss == "minimax":
        return -bce(fake, torch.zeros_like(fake))
    if loss == "lsgan":
        return 0.5 * nn.functional.mse_loss(fake, torch.ones_like(fake))
    if loss == "hinge":
        return -fake.mean()
    raise ValueError("peer: unknown loss " + loss)


def ema_decay(decay, warmup, step):
    """The decay of the moving-average update made after step completed steps
    (0 for the first), as gogan's emaDecay (train/model.go): decay, or with
    warm-up min(decay, (1+step)/(10+step)), rounded to float32 as gogan does."""
    if warmup:
        decay = min(decay, (1 + step) / (10 + step))
    return float(torch.tensor(decay, dtype=torch.float32))


def new_ema(G):
    """The moving average of G, as gogan's NewGAN makes it: G's weights and
    BatchNorm statistics, no gradients, always in evaluation mode."""
    import copy
    ema = copy.deepcopy(G)
    for p in ema.parameters():
        p.requires_grad_(False)
    return ema.eval()


@torch.no_grad()
def ema_update(ema, G, d):
    """ema = d*ema + (1-d)*G for every weight and BatchNorm running statistic,
    as gogan's emaUpdate, which averages the whole state dict (it does not
    copy G's statistics). BatchNorm's integer num_batches_tracked, which
    gogan does not have and momentum 0.1 never reads, is copied."""
    src = G.state_dict()
    for name, t in ema.state_dict().items():
        if t.is_floating_point():
            t.mul_(d).add_(src[name], alpha=1 - d)
        else:
            t.copy_(src[name])


def loaded_blas():
    """Name the BLAS library mapped into this process.

    Call after a matmul: libraries can be loaded lazily. Debian's torch links
    libblas.so.3, which the alternatives system may point at the reference
    (netlib) BLAS - roughly 6x slower and not a fair peer.
    """
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and ".so" in parts[-1]:
                libs.add(parts[-1])
    names = " ".join(sorted(libs))
    if re.search(r"libmkl_", names):
        return "mkl", names
    if re.search(r"libopenblas", names):
        return "openblas", names
    if re.search(r"libblis", names):
        return "blis", names
    # Reference BLAS lives in .../blas/libblas.so.3 (Debian's libblas3).
    if re.search(r"/blas/libblas\.so", names) or re.search(r"libblas\.so", names):
        return "reference", names
    return "unknown", names


def warn_blas(blas):
    if blas == "reference":
        print("peer WARNING: torch is using the reference BLAS (netlib libblas3): "
              "an unfair peer, about 6x slower. Fix: apt-get install libopenblas0-openmp "
              "(or `make setup-peer`)", file=sys.stderr, flush=True)
    elif blas == "unknown":
        print("peer WARNING: could not tell which BLAS torch loaded; check "
              "torch.__config__.show() and /proc/self/maps", file=sys.stderr, flush=True)


def peak_rss_mb():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def busy_jiffies():
    """Busy CPU time of the whole machine, in clock ticks, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    return v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)


def self_cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_steps(step, warmup, seconds, min_steps):
    """Run step warmup times, then time it until seconds have passed and at
    least min_steps were timed - but give up on min_steps (keeping 3) past
    3x seconds, so a slow or starved config cannot run for many minutes."""
    for _ in range(warmup):
        step()
    times = []
    start = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and (len(times) >= min_steps or
                                   (elapsed >= 3 * seconds and len(times) >= 3)):
            return times
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)


def train_step_fn(batch, gen, size=28, channels=1):
    G = Generator(size, channels)
    D = Discriminator(size, channels)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    bce = nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, channels, size, size, generator=gen) * 2 - 1
    ones = torch.ones(batch, 1)
    zeros = torch.zeros(batch, 1)

    def step():
        # The canonical pytorch/examples dcgan step: D on real and detached fake,
        # then G through D with real labels.
        D.zero_grad()
        err_real = bce(D(real), ones)
        z = torch.randn(batch, NZ, generator=gen)
        fake = G(z)
        err_fake = bce(D(fake.detach()), zeros)
        (err_real + err_fake).backward()
        opt_d.step()

        G.zero_grad()
        err_g = bce(D(fake), ones)
        err_g.backward()
        opt_g.step()

    return step


def infer_step_fn(batch, gen, size=28, channels=1):
    G = Generator(size, channels)
    G.apply(dcgan_init)
    G.eval()

    def step():
        with torch.no_grad():
            G(torch.randn(batch, NZ, generator=gen))

    return step


def sgemm_step_fn(size, gen):
    a = torch.randn(size, size, generator=gen)
    b = torch.randn(size, size, generator=gen)
    c = torch.empty(size, size)

    def step():
        torch.mm(a, b, out=c)

    return step


def load_mnist_train(root):
    """MNIST's training images from the IDX .gz files, (60000,1,28,28) in [-1, 1]."""
    path = os.path.join(root, "train-images-idx3-ubyte.gz")
    import numpy as np
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in range(0, 16, 4))
    if magic != 2051:
        sys.exit("peer: %s: bad IDX magic %d" % (path, magic))
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, h, w)
    return torch.from_numpy(x.astype(np.float32) / 127.5 - 1.0)


def snapshot_label(minutes):
    """1 -> '1m', 0.5 -> '0.5m': the Go duration gan-train --snapshot-at takes."""
    return ("%g" % minutes) + "m"


def quality(args, gen):
    """Train gogan's DCGAN on real MNIST with args' recipe for args.minutes of
    training time (or args.steps steps, if that comes first), saving samples
    at each snapshot; the time spent saving is kept off the clock, as gan-train
    keeps its snapshot exports off. The step is gogan's (train/gan.go): D on
    the real and the detached fake batch, then G through D on that fake
    batch, then the moving average's update. Snapshots sample the moving
    average when --ema > 0 (what gan-train exports), else G in eval mode."""
    import json
    import numpy as np
    snaps = sorted(float(s) for s in args.snapshots.split(",") if s.strip())
    if not snaps or snaps[0] <= 0 or snaps[-1] > args.minutes:
        sys.exit("peer: --snapshots %s: give positive minutes, none after --minutes %g" % (args.snapshots, args.minutes))
    os.makedirs(args.out, exist_ok=True)
    settings = {k: getattr(args, k) for k in ["recipe"] + list(RECIPES["classic"]) + ["batch", "seed", "threads"]}
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(settings, f, indent=1)
    print("peer quality settings: " + " ".join("%s=%s" % kv for kv in settings.items()), file=sys.stderr, flush=True)
    real_all = load_mnist_train(args.data)
    n_data, batch = real_all.shape[0], args.batch
    G, D = Generator(), Discriminator(spectral_norm=args.spectral_norm)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    if args.spectral_norm:
        apply_spectral_norm(D)
    ema = new_ema(G) if args.ema > 0 else None
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr_d, betas=(args.beta1, args.beta2))
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr_g, betas=(args.beta1, args.beta2))
    fixed = torch.randn(args.n, NZ, generator=torch.Generator().manual_seed(args.seed + 1))
    index = ["label,step,elapsed_s"]
    step, paused, t0 = 0, 0.0, time.perf_counter()
    steady0 = None  # the clock at step --steady-from
    limit = args.minutes * 60
    perm, pos = torch.randperm(n_data, generator=gen), 0
    while True:
        if pos + batch > n_data:  # drop the last partial batch, reshuffle
            perm, pos = torch.randperm(n_data, generator=gen), 0
        real = real_all[perm[pos:pos + batch]]
        pos += batch
        D.zero_grad()
        fake = G(torch.randn(batch, NZ, generator=gen))
        d_loss(args.loss, D(real), D(fake.detach())).backward()
        opt_d.step()
        G.zero_grad()
        g_loss(args.loss, D(fake)).backward()
        opt_g.step()
        if ema is not None:
            ema_update(ema, G, ema_decay(args.ema, args.ema_warmup, step))
        step += 1
        clock = time.perf_counter() - t0 - paused
        if step == args.steady_from:
            steady0 = clock
        while snaps and clock >= snaps[0] * 60:
            s0 = time.perf_counter()
            label = snapshot_label(snaps.pop(0))
            sampler = ema if ema is not None else G
            G.eval()
            with torch.no_grad():
                x = torch.cat([sampler(fixed[i:i + 1000]) for i in range(0, args.n, 1000)])
            G.train()
            path = os.path.join(args.out, label + ".npy")
            np.save(path + ".tmp.npy", x.numpy().astype(np.float32))
            os.replace(path + ".tmp.npy", path)
            index.append("%s,%d,%.3f" % (label, step, clock))
            with open(os.path.join(args.out, "snapshots.csv"), "w") as f:
                f.write("\n".join(index) + "\n")
            print("peer snapshot %s: step %d at %.1fs of training -> %s" % (label, step, clock, path),
                  file=sys.stderr, flush=True)
            paused += time.perf_counter() - s0
        if clock >= limit or (args.steps and step >= args.steps):
            break
    steady = ""
    if steady0 is not None and clock > steady0:
        # gan-train's metrics.csv rate between the same steps: the first
        # steps' warm-up off the clock (make bench's command benchmark).
        steady = " steady_images_per_s=%.1f" % ((step - args.steady_from) * batch / (clock - steady0))
    print("peer quality recipe=%s steps=%d minutes=%g images_per_s=%.1f%s peak_rss_mb=%.1f threads=%d torch=%s malloc=%s" % (
        args.recipe, step, args.minutes, step * batch / clock, steady, peak_rss_mb(), torch.get_num_threads(),
        torch.__version__, MALLOC), flush=True)


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["train", "infer", "sgemm", "quality"], required=True)
    p.add_argument("--batch", type=int, default=None, help="batch size (train, infer, quality; default 64)")
    p.add_argument("--image", default="28x28x1", help="SIDExSIDExCHANNELS of the DCGAN (train, infer): 28x28x1 or 64x64x3")
    p.add_argument("--malloc", default="both", choices=["default", "tuned", "both"],
                   help="glibc malloc settings: default, tuned (TUNED_MALLOC), or both in turn (quality: tuned)")
    p.add_argument("--size", type=int, default=1024, help="matrix size (sgemm)")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    p.add_argument("--seconds", type=float, default=6.0, help="time to spend measuring")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    p.add_argument("--min-steps", type=int, default=10, help="timed steps at least")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--minutes", type=float, default=10, help="training time (quality)")
    p.add_argument("--steps", type=int, default=0, help="stop after this many steps if --minutes has not passed (quality; 0: no cap)")
    p.add_argument("--steady-from", type=int, default=80,
                   help="also report images/s from this step on (quality; gan-train's metrics.csv clock)")
    p.add_argument("--snapshots", default="1,3,10", help="minutes at which to save samples (quality)")
    p.add_argument("--n", type=int, default=10000, help="samples per snapshot (quality)")
    p.add_argument("--out", default="runs/quality/peer", help="snapshot folder (quality)")
    p.add_argument("--data", default="data/mnist", help="folder of MNIST's IDX .gz files (quality)")
    q = p.add_argument_group("quality training recipe", "as gan-train's flags; each defaults to --recipe's value")
    q.add_argument("--recipe", choices=sorted(RECIPES), default="classic",
                   help="gogan's recipe: classic (pytorch/examples DCGAN) or modern (hinge loss, EMA 0.99 of G with warm-up)")
    q.add_argument("--loss", choices=LOSSES, default=None, help="D and G losses as gogan's train/loss.go")
    q.add_argument("--ema", type=float, default=None, help="DECAY of a moving average of G that snapshots sample (0: off)")
    q.add_argument("--ema-warmup", action=argparse.BooleanOptionalAction, default=None,
                   help="ramp the --ema decay as min(DECAY, (1+step)/(10+step))")
    q.add_argument("--lr-g", type=float, default=None, help="G's Adam learning rate")
    q.add_argument("--lr-d", type=float, default=None, help="D's Adam learning rate")
    q.add_argument("--beta1", type=float, default=None, help="Adam beta1")
    q.add_argument("--beta2", type=float, default=None, help="Adam beta2")
    q.add_argument("--spectral-norm", action=argparse.BooleanOptionalAction, default=None,
                   help="spectral norm on every layer of D, which then has no BatchNorm (gogan's SN-DCGAN D)")
    p.add_argument("--show-config", action="store_true", help="print torch.__config__.show()")
    return p


def main():
    args = resolve_recipe(parser().parse_args())

    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float32)
    gen = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)  # module init draws from the global generator

    # A matmul first, so a lazily loaded BLAS shows up in /proc/self/maps.
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    blas, _ = loaded_blas()
    warn_blas(blas)
    if args.show_config:
        print(torch.__config__.show(), file=sys.stderr)

    if args.mode == "quality":
        quality(args, gen)
        return
    size, channels = parse_image(args.image)
    if args.mode == "train":
        step, what = train_step_fn(args.batch, gen, size, channels), "batch=%d image=%s" % (args.batch, args.image)
    elif args.mode == "infer":
        step, what = infer_step_fn(args.batch, gen, size, channels), "batch=%d image=%s" % (args.batch, args.image)
    else:
        step, what = sgemm_step_fn(args.size, gen), "size=%d" % args.size
    what += " malloc=" + MALLOC
    base_rss = rss_mb()

    # Other processes on a small machine skew the peer: measure how many cores
    # they kept busy while we timed, so the report can flag a noisy run.
    tick = os.sysconf("SC_CLK_TCK")
    busy0, self0, wall0 = busy_jiffies(), self_cpu_s(), time.perf_counter()
    times = time_steps(step, args.warmup, args.seconds, args.min_steps)
    busy1, self1, wall1 = busy_jiffies(), self_cpu_s(), time.perf_counter()
    other_cpu = max(0.0, ((busy1 - busy0) / tick - (self1 - self0)) / (wall1 - wall0))
    med = statistics.median(times)
    if args.mode == "sgemm":
        rate = "gflops=%.2f" % (2.0 * args.size ** 3 / med / 1e9)
    else:
        rate = "images_per_s=%.1f" % (args.batch / med)
    coretype = os.environ.get("OPENBLAS_CORETYPE", "")
    print("peer %s %s %s step_ms=%.3f steps=%d peak_rss_mb=%.1f base_rss_mb=%.1f "
          "other_cpu=%.2f blas=%s threads=%d torch=%s%s" % (
              args.mode, what, rate, med * 1e3, len(times), peak_rss_mb(), base_rss, other_cpu,
              blas, torch.get_num_threads(), torch.__version__,
              " openblas_coretype=" + coretype if coretype and blas == "openblas" else ""),
          flush=True)


if __name__ == "__main__":
    main()
