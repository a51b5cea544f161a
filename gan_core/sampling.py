"""Drawing samples from a generator and turning them into pictures."""

from __future__ import annotations

import io
import math

import numpy as np
import torch
from PIL import Image, ImageDraw

from gan_core.eval_mode import eval_mode
from gan_core.noise import sample_noise


@torch.no_grad()
def sample(G: torch.nn.Module, latent_dim: int, n: int, seed: int = 0, device: str | torch.device = "cpu",
           batch: int = 1000, noise: str = "gaussian") -> np.ndarray:
    """n samples as float32: images (N, C, H, W) in [0, 1]; 2-D points (N, 2) in data coordinates.

    z is drawn on the CPU from `seed`, so the same seed gives the same samples on any device, from
    the distribution the model was trained with (`noise`: cfg.noise, gaussian or uniform).
    """
    gen = torch.Generator().manual_seed(seed)
    out = []
    with eval_mode(G):  # a live generator goes back to training with batch statistics
        for start in range(0, n, batch):
            z = sample_noise(noise, min(batch, n - start), latent_dim, generator=gen).to(device)
            x = G(z).float().cpu()
            if x.dim() == 4:
                x = ((x + 1) / 2).clamp_(0, 1)  # Tanh range [-1, 1] -> [0, 1]
            out.append(x)
    return torch.cat(out).numpy().astype(np.float32) if out else np.zeros((0,), np.float32)


def grid_uint8(images: torch.Tensor, nrow: int | None = None, padding: int = 1, pad_value: int = 255) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] -> one uint8 grid (rows*(H+p) + p, cols*(W+p) + p[, 3]): the picture of every
    grid in the project (run samples, the Data page, Explore, GIF frames).

    Pixel for pixel torchvision's make_grid(images, nrow, padding, normalize=True, value_range=(-1, 1),
    pad_value=pad_value / 255) scaled to 0..255 and rounded (a test compares them), except that one image
    keeps its border; cols = min(nrow, N). Written here because importing torchvision (torch._dynamo
    through torchvision.ops) took 2.7 s of the app's first page load, and without make_grid's per-image
    Python loop: one scale, one clamp and one strided copy, cheap enough for every slider move on Explore.
    The value map: u8 = round((x + 1) * 127.5) = round((x + 1) / 2 * 255), x clamped to [-1, 1].
    """
    n, c, h, w = images.shape
    cols = min(nrow or max(1, math.ceil(n**0.5)), n)
    rows = math.ceil(n / cols)
    u8 = images.detach().float().add(1).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8).cpu()  # (N, C, H, W)
    hp, wp = h + padding, w + padding
    canvas = torch.full((c, rows * hp + padding, cols * wp + padding), pad_value, dtype=torch.uint8)
    if n < rows * cols:  # an incomplete last row: blank cells
        u8 = torch.cat([u8, torch.full((rows * cols - n, c, h, w), pad_value, dtype=torch.uint8)])
    cells = u8.view(rows, cols, c, h, w).permute(2, 0, 1, 3, 4)  # (C, rows, cols, H, W)
    view = canvas[:, padding:, padding:].unfold(1, hp, hp).unfold(2, wp, wp)  # (C, rows, cols, H+p, W+p)
    view[:, :, :, :h, :w] = cells  # writes through the view into the canvas
    arr = canvas.permute(1, 2, 0).numpy()
    return arr[:, :, 0] if c == 1 else arr[:, :, :3]


def grid_image(images: torch.Tensor, nrow: int | None = None, scale: int | None = None,
               padding: int = 1) -> Image.Image:
    """(N, C, H, W) in [-1, 1] -> one PIL image, upscaled `scale` x with nearest neighbour (crisp pixels).
    scale None: the smallest integer factor that makes it at least 256 px wide, so tiny images (8x8
    digits) can be seen."""
    img = Image.fromarray(grid_uint8(images, nrow, padding))
    if scale is None:
        scale = -(-256 // img.width) if img.width < 256 else 1
    return img.resize((img.width * scale, img.height * scale), Image.NEAREST) if scale > 1 else img


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


def png_bytes(img: Image.Image, compress_level: int = 1) -> bytes:
    """PNG bytes. zlib level 1 instead of Pillow's default 6: ~3x faster to write for a few % more bytes,
    which matters when Explore encodes a grid on every slider move and a run writes one every few steps."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
