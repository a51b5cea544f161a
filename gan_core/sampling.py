"""Drawing samples from a generator and turning them into pictures."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image, ImageDraw

from gan_core.noise import sample_noise


@torch.no_grad()
def sample(G: torch.nn.Module, latent_dim: int, n: int, seed: int = 0, device: str | torch.device = "cpu",
           batch: int = 1000, noise: str = "gaussian") -> np.ndarray:
    """n samples as float32: images (N, C, H, W) in [0, 1]; 2-D points (N, 2) in data coordinates.

    z is drawn on the CPU from `seed`, so the same seed gives the same samples on any device, from
    the distribution the model was trained with (`noise`: cfg.noise, gaussian or uniform).
    """
    was_training = G.training
    G.eval()
    gen = torch.Generator().manual_seed(seed)
    out = []
    try:
        for start in range(0, n, batch):
            z = sample_noise(noise, min(batch, n - start), latent_dim, generator=gen).to(device)
            x = G(z).float().cpu()
            if x.dim() == 4:
                x = ((x + 1) / 2).clamp_(0, 1)  # Tanh range [-1, 1] -> [0, 1]
            out.append(x)
    finally:
        G.train(was_training)  # a live generator keeps training with batch statistics
    return torch.cat(out).numpy().astype(np.float32) if out else np.zeros((0,), np.float32)


def make_grid(images: torch.Tensor, nrow: int = 8, padding: int = 2, pad_value: float = 0.0) -> torch.Tensor:
    """torchvision.utils.make_grid(images, nrow, padding, normalize=True, value_range=(-1, 1),
    pad_value): the same tensor (a test compares them), without importing torchvision, whose
    import (torch._dynamo through torchvision.ops) took 2.7 s of the app's first page load.

    (N, C, H, W) in [-1, 1] -> (3 or C, rows * (H + p) + p, cols * (W + p) + p) in [0, 1]."""
    x = images.float().clamp(-1, 1).sub(-1).div(2)  # the same float ops as make_grid's norm_ip
    if x.shape[1] == 1:  # grey -> RGB, as make_grid does
        x = torch.cat((x, x, x), 1)
    n, c, h, w = x.shape
    if n == 1:
        return x[0]
    cols = min(nrow, n)
    rows = -(-n // cols)
    hp, wp = h + padding, w + padding
    grid = x.new_full((c, hp * rows + padding, wp * cols + padding), pad_value)
    for k in range(n):
        r, col = divmod(k, cols)
        grid[:, r * hp + padding:(r + 1) * hp, col * wp + padding:(col + 1) * wp] = x[k]
    return grid


def grid_image(images: torch.Tensor, nrow: int | None = None) -> Image.Image:
    """(N, C, H, W) in [-1, 1] -> one PIL image (as torchvision's make_grid draws it)."""
    n = images.shape[0]
    nrow = nrow or max(1, round(n**0.5))
    grid = make_grid(images.float(), nrow=nrow, padding=1, pad_value=1.0)
    arr = (grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    img = Image.fromarray(arr)
    if img.width < 256:  # tiny images (8x8 digits) are upscaled so they can be seen
        scale = -(-256 // img.width)
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    return img


def points_image(fake: np.ndarray, real: np.ndarray | None = None, size: int = 320, extent: float = 1.6) -> Image.Image:
    """A scatter of 2-D points as a PNG-able image: real in grey, generated in orange."""
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)

    def to_px(p: np.ndarray) -> np.ndarray:
        return (p + extent) / (2 * extent) * size * np.array([1, -1]) + np.array([0, size])

    for pts, colour in ((real, (170, 170, 170)), (fake, (230, 110, 20))):
        if pts is None:
            continue
        for x, y in to_px(np.asarray(pts)):
            draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=colour)
    return img


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
