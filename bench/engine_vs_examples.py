"""Images per second of gan_core's Engine against the pytorch/examples DCGAN training loop, same nets, same device.

    python bench/engine_vs_examples.py --device cuda                     # 64 px, batch 128, width 64 (the examples')
    python bench/engine_vs_examples.py --device cpu --batch 8 --width 8 --steps 3 --rounds 2   # a smoke run

The reference is pytorch/examples `dcgan/main.py` (nz=100, ngf=ndf=64, nc=3, 64 px, Adam 2e-4 (0.5, 0.999)):
its Generator/Discriminator (Sigmoid at D's end, nn.BCELoss), and its loop per batch: D on the real batch
(label tensor filled with 1), on G(noise).detach() (label 0), optimizerD.step(); then G through D with label 1,
optimizerG.step(); and `.item()` on errD, errG, D(x), D(G(z)) every step, as its progress line does. Data:
offline, so CIFAR-shaped random images in [-1, 1] (3x64x64): `examples` takes batches from one tensor on the
device (the loop's own compute cost), `examples-loader` from the examples' `--dataset fake` path
(torchvision FakeData -> ToTensor -> Normalize in a DataLoader with 2 workers, the examples' default).

The Engine trains gan_core's DCGAN, which at 64 px and width 64 is the same network (4x4 -> 64x64 with
transposed convolutions, batch norm, ReLU; D mirrored with LeakyReLU 0.2), with the non-saturating loss in its
softplus form, on the same random images as one tensor on the device, and fetches its metrics once per 10 steps
(`flush`, as a run does with log_every=10). Variants: `engine-fp32` (precision fp32, channels_last off),
`engine` (precision auto, channels_last auto: bf16 + channels_last on a GPU) and with --compile `engine-compile`.

Method: each contender is built once and warmed up (untimed; a compile happens there), then rounds of `--steps`
timed steps per contender in a rotated order (device synchronised before and after). Reported: median images/s
per contender and the median over rounds of the per-round ratio contender / examples.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from torch import nn

from gan_core.checks import validate_config
from gan_core.config import DEVICES, TrainConfig
from gan_core.data import Dataset
from gan_core.engine import Engine, resolve_device

NZ, NC, RES, N_IMAGES = 100, 3, 64, 2048


# ---------------------------------------------------------------------------- pytorch/examples dcgan/main.py
def weights_init(m: nn.Module) -> None:
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, ngf: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, NC, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(NC, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1, 1).squeeze(1)


class ExamplesLoop:
    """The examples' training loop, one `step()` per batch."""

    def __init__(self, device: torch.device, width: int, batch: int, images: torch.Tensor, loader: bool):
        torch.manual_seed(0)
        self.device, self.batch = device, batch
        self.netG, self.netD = Generator(width).to(device), Discriminator(width).to(device)
        self.netG.apply(weights_init)
        self.netD.apply(weights_init)
        self.criterion = nn.BCELoss()
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.images = images
        self.batches = self._loader(batch) if loader else None

    def _loader(self, batch: int):
        from torchvision import datasets as dset
        from torchvision import transforms

        ds = dset.FakeData(size=N_IMAGES, image_size=(NC, RES, RES),
                           transform=transforms.Compose([transforms.ToTensor(),
                                                         transforms.Normalize((0.5,) * 3, (0.5,) * 3)]))
        dl = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, num_workers=2, drop_last=True,
                                         persistent_workers=True)

        def forever():
            while True:
                for x, _ in dl:
                    yield x

        return forever()

    def step(self) -> None:
        if self.batches is not None:
            real = next(self.batches).to(self.device)
        else:
            real = self.images[torch.randint(0, self.images.shape[0], (self.batch,), device=self.device)]
        b = real.size(0)
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        self.netD.zero_grad()
        label = torch.full((b,), 1.0, dtype=real.dtype, device=self.device)
        output = self.netD(real)
        errD_real = self.criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.randn(b, NZ, 1, 1, device=self.device)
        fake = self.netG(noise)
        label.fill_(0.0)
        output = self.netD(fake.detach())
        errD_fake = self.criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        self.optD.step()
        # (2) Update G network: maximize log(D(G(z)))
        self.netG.zero_grad()
        label.fill_(1.0)
        output = self.netD(fake)
        errG = self.criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        self.optG.step()
        self.last = (errD.item(), errG.item(), D_x, D_G_z1, D_G_z2)  # the examples print these every step


# ---------------------------------------------------------------------------- gan_core
class EngineLoop:
    def __init__(self, device: torch.device, width: int, batch: int, images: torch.Tensor, **accel):
        cfg = validate_config(TrainConfig(dataset="cifar10", resolution=RES, arch="dcgan", loss="ns", latent_dim=NZ,
                          width=width, batch_size=batch, steps=10**6, seed=0, device=device.type, **accel))
        data = Dataset(x=images, y=None, kind="image", source="random CIFAR-shaped images")
        self.engine = Engine(cfg, data, device)
        self.n = 0

    def step(self) -> None:
        self.engine.train_step()
        self.n += 1
        if self.n % 10 == 0:  # a run's log_every: one device->host transfer per 10 steps
            self.engine.flush()


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto", choices=DEVICES)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--width", type=int, default=64, help="ngf = ndf (the examples: 64)")
    p.add_argument("--steps", type=int, default=50, help="timed steps per contender and round")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--compile", action="store_true", help="also time the engine with torch.compile")
    p.add_argument("--loader", action="store_true", help="also time the examples loop over FakeData + DataLoader")
    p.add_argument("--threads", type=int, default=None, help="CPU: torch threads (default torch's)")
    args = p.parse_args(argv)
    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    images = (torch.rand(N_IMAGES, NC, RES, RES, generator=torch.Generator().manual_seed(0)) * 2 - 1).to(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__} | {device} ({name}) | DCGAN 64 px, width {args.width}, batch {args.batch} | "
          f"{args.rounds} rounds x {args.steps} steps | load average {os.getloadavg()[0]:.2f}", flush=True)
    makers = {"examples": lambda: ExamplesLoop(device, args.width, args.batch, images, loader=False),
              "engine-fp32": lambda: EngineLoop(device, args.width, args.batch, images, precision="fp32",
                                                channels_last="off"),
              "engine": lambda: EngineLoop(device, args.width, args.batch, images)}
    if args.loader:
        makers["examples-loader"] = lambda: ExamplesLoop(device, args.width, args.batch, images, loader=True)
    if args.compile:
        makers["engine-compile"] = lambda: EngineLoop(device, args.width, args.batch, images, compile=True)
    loops = {}
    for k, make in makers.items():
        t = time.perf_counter()
        try:
            loops[k] = make()
        except ImportError as e:  # examples-loader needs torchvision
            print(f"  {k}: skipped ({e})")
            continue
        for _ in range(args.warmup):
            loops[k].step()
        sync(device)
        note = ""
        if isinstance(loops[k], EngineLoop):
            a = loops[k].engine.accel
            note = f" | precision {a.precision}, channels_last {a.channels_last}"
            if a.compile:
                failed = f" FAILED ({a.compile_error})" if a.compile_error else ""
                note += f", compile {a.compile_seconds:.1f} s{failed}"
        print(f"  {k}: built and warmed up in {time.perf_counter() - t:.1f} s{note}", flush=True)
    rates: dict[str, list[float]] = {k: [] for k in loops}
    names = list(loops)
    for r in range(args.rounds):
        for k in names[r % len(names):] + names[:r % len(names)]:
            sync(device)
            t = time.perf_counter()
            for _ in range(args.steps):
                loops[k].step()
            sync(device)
            rates[k].append(args.steps * args.batch / (time.perf_counter() - t))
        print(f"round {r + 1}: " + " | ".join(f"{k} {rates[k][-1]:.0f}" for k in names) + "  images/s", flush=True)
    print(f"\n{'contender':<18}{'images/s (median)':>19}{'min':>10}{'max':>10}{'x examples':>12}")
    for k in names:
        ratio = statistics.median(a / b for a, b in zip(rates[k], rates["examples"]))
        print(f"{k:<18}{statistics.median(rates[k]):>19.0f}{min(rates[k]):>10.0f}{max(rates[k]):>10.0f}{ratio:>12.2f}")
    best = max((k for k in names if k.startswith("engine")),
               key=lambda k: statistics.median(a / b for a, b in zip(rates[k], rates["examples"])))
    ratio = statistics.median(a / b for a, b in zip(rates[best], rates["examples"]))
    print(f"RESULT engine_vs_examples best={best} ratio={ratio:.2f} (goal >= 3 on a GPU) "
          f"load_after={os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
