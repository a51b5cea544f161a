"""Walking a trained generator's latent space: interpolation, directions, truncation, style mixing.

What the Explore page (and anyone with a generator) uses, as pure torch: no Streamlit here.

- `lerp`, `slerp` and `interpolation_path` (two points, or a closed loop through several);
- directions to move a latent along: single coordinates (`axis_directions`), random orthonormal
  ones (`random_directions`) and principal ones (`ganspace`, Harkonen et al. 2020);
- `truncate`: the truncation trick, pulling a latent toward the mean latent;
- `LatentModel`: one interface over every generator of gan_core (unconditional or conditional,
  convolutional, MLP or style-based) that turns seeds, edits, psi, a class and a style-mixing
  crossover into images with a single forward pass of G;
- `gif_bytes`: an animation of the result; still pictures are gan_core.sampling's `grid_image` and
  `png_bytes` (one grid renderer and one PNG encoder for the project), cheap enough to redraw a
  64-image grid on every slider move.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from PIL import Image
from torch import nn

from gan_core.messages import Msg
from gan_core.noise import sample_noise
from gan_core.sampling import grid_image, png_bytes, points_image
from gan_core.seeding import global_rng

INTERP_MODES = ("linear", "slerp")
SLERP_EPS = 1e-4  # sin(omega) below this: the vectors are (anti)parallel and slerp is ill-posed


def bf16_fast() -> bool:
    """Whether this CPU runs bfloat16 convolutions natively (AVX512-BF16 or AMX, through oneDNN); elsewhere
    bf16 autocast is emulated and slower than float32."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()) and bool(
            getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
            or getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())
    except (AttributeError, RuntimeError):
        return False


# ----------------------------------------------------------------------------------- interpolation
def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Linear interpolation  p(t) = (1 - t) a + t b  (t = 0 gives a, t = 1 gives b).

    a, b: (..., d); t: a number or a tensor that broadcasts against a[..., :1] (e.g. (T, 1)).
    For Gaussian z the midpoint is "too short": with |a| = |b| = r and a, b nearly orthogonal (the
    usual case in high dimension), |p(1/2)| = r sqrt(2)/2, a norm that N(0, I) almost never
    produces, which is why midpoints of linear paths often look washed out.
    """
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    return a + t * (b - a)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float, eps: float = SLERP_EPS) -> torch.Tensor:
    """Spherical linear interpolation (Shoemake 1985; for GAN latents, White 2016):

        omega = arccos( a.b / (|a| |b|) )
        p(t)  = sin((1 - t) omega) / sin(omega) * a  +  sin(t omega) / sin(omega) * b

    p moves along the great circle through a and b at constant angular speed; when |a| = |b| = r
    every point has norm r, so it stays where N(0, I) puts its mass (the shell of radius ~sqrt(d)).
    Where sin(omega) < eps (a and b parallel or opposite) the circle is not defined by a and b,
    and lerp is used instead (for parallel vectors it is the same path).
    a, b: (..., d); t broadcasts against a[..., :1]. Works in float64 internally for the arccos.
    """
    t = torch.as_tensor(t, dtype=torch.float64, device=a.device)
    a64, b64 = a.double(), b.double()
    na = a64.norm(dim=-1, keepdim=True)
    nb = b64.norm(dim=-1, keepdim=True)
    cos = ((a64 * b64).sum(-1, keepdim=True) / (na * nb).clamp_min(1e-30)).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    so = torch.sin(omega)
    near = so < eps
    safe = torch.where(near, torch.ones_like(so), so)
    out = torch.sin((1 - t) * omega) / safe * a64 + torch.sin(t * omega) / safe * b64
    out = torch.where(near, lerp(a64, b64, t), out)
    return out.to(a.dtype)


def interpolate(a: torch.Tensor, b: torch.Tensor, steps: int, mode: str = "slerp") -> torch.Tensor:
    """`steps` points from a to b, both included: (steps, d)."""
    if mode not in INTERP_MODES:
        raise ValueError(f"interpolation mode must be one of {', '.join(INTERP_MODES)}, got {mode!r}")
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps (both ends), got {steps}")
    t = torch.linspace(0, 1, steps, dtype=torch.float64)[:, None]  # (T, 1)
    fn = slerp if mode == "slerp" else lerp
    return fn(a[None].double(), b[None].double(), t).to(a.dtype)


def interpolation_path(points: torch.Tensor, steps: int, mode: str = "slerp", loop: bool = False) -> torch.Tensor:
    """A path through M points (M, d): `steps` frames per segment.

    Open (loop=False): p0 -> p1 -> ... -> p_{M-1}, each joint frame once: (M-1) * (steps-1) + 1 frames.
    Closed (loop=True): p0 -> ... -> p_{M-1} -> p0, the end of each segment left out (it is the start
    of the next one), so the frames repeat seamlessly when played in a loop: M * (steps - 1) frames
    (for M = 2 that is a back-and-forth).
    """
    if points.dim() != 2 or points.shape[0] < 2:
        raise ValueError(f"a path needs at least 2 points as an (M, d) tensor, got shape {tuple(points.shape)}")
    ends = list(points) + ([points[0]] if loop else [])
    segs = [interpolate(ends[i], ends[i + 1], steps, mode)[:-1] for i in range(len(ends) - 1)]
    if not loop:
        segs.append(ends[-1][None])
    return torch.cat(segs)


# ----------------------------------------------------------------------------------- directions
@dataclass
class Directions:
    """k unit directions in a latent space, with the spread of the latents along each.

    vectors: (k, d), orthonormal rows. scale: (k,), the standard deviation of the latents along
    each direction, so a slider value a means "a standard deviations": latent + a * scale_i * v_i.
    space: "z" (the input noise) or "w" (a style-based generator's intermediate latent).
    explained: share of the total variance of the PCA features each direction explains (PCA only).
    """

    vectors: torch.Tensor
    scale: torch.Tensor
    space: str = "z"
    explained: torch.Tensor | None = None
    labels: list[str] | None = None  # Msgs where they are words (the UI translates them)

    def offset(self, amounts: Sequence[float]) -> torch.Tensor:
        """sum_i a_i * scale_i * v_i: (d,)."""
        a = torch.as_tensor(list(amounts), dtype=self.vectors.dtype)
        if a.numel() > self.vectors.shape[0]:
            raise ValueError(f"{a.numel()} amounts for {self.vectors.shape[0]} directions")
        k = a.numel()
        return (a * self.scale[:k]) @ self.vectors[:k] if k else torch.zeros(self.vectors.shape[1])


def axis_directions(dim: int, indices: Sequence[int], scale: float = 1.0) -> Directions:
    """Unit vectors e_i of the chosen coordinates of z (moving z_i alone)."""
    bad = [i for i in indices if not 0 <= int(i) < dim]
    if bad:
        raise ValueError(f"latent dimensions must be in 0..{dim - 1}, got {bad}")
    v = torch.zeros(len(indices), dim)
    v[torch.arange(len(indices)), torch.as_tensor(list(indices), dtype=torch.long)] = 1.0
    return Directions(v, torch.full((len(indices),), float(scale)), "z", labels=[f"z[{i}]" for i in indices])


def random_directions(k: int, dim: int, seed: int = 0, scale: float = 1.0) -> Directions:
    """k random orthonormal directions: Gaussian vectors orthonormalised by QR (Gram-Schmidt), so
    they are uniform on the sphere and the sliders move independent, non-overlapping components."""
    if not 1 <= k <= dim:
        raise ValueError(f"the number of random directions must be in 1..{dim} (the latent size), got {k}")
    g = torch.Generator().manual_seed(int(seed))
    q, r = torch.linalg.qr(torch.randn(dim, k, generator=g, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))[None]  # unique QR: the same seed gives the same directions
    return Directions(q.T.float().contiguous(), torch.full((k,), float(scale)), "z",
                      labels=[Msg("random {i}", i=i + 1) for i in range(k)])


def orthonormalize(rows: torch.Tensor) -> torch.Tensor:
    """Gram-Schmidt (via QR) of the rows in order: row 0 keeps its direction, row i loses its
    components along rows < i. (k, d) -> (k, d) with orthonormal rows."""
    q, r = torch.linalg.qr(rows.double().T)
    return (q * torch.sign(torch.diagonal(r))[None]).T.to(rows.dtype).contiguous()


def _pca(x: torch.Tensor, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Top-k principal axes of the rows of x (N, F): (components (k, F), std (k,), explained (k,)).

    Small F: exact eigen-decomposition of the covariance. Large F (conv activations): randomised
    SVD (Halko et al. 2011, torch.pca_lowrank) with a fixed seed, so the result is reproducible.
    """
    x = x.double()
    mu = x.mean(0, keepdim=True)
    xc = x - mu
    total = xc.pow(2).sum() / (x.shape[0] - 1)
    if x.shape[1] <= 512:
        cov = xc.T @ xc / (x.shape[0] - 1)  # (F, F)
        evals, evecs = torch.linalg.eigh(cov)  # ascending
        evals, evecs = evals.flip(0)[:k].clamp_min(0), evecs.flip(1)[:, :k]
        comps = evecs.T
    else:
        with global_rng(seed):  # pca_lowrank draws from the global generator
            _u, s, v = torch.pca_lowrank(xc, q=min(k + 10, *x.shape), center=False, niter=4)
        evals, comps = (s[:k] ** 2) / (x.shape[0] - 1), v[:, :k].T
    return comps, evals.sqrt(), evals / total.clamp_min(1e-30)


class _Stop(Exception):
    """Raised by the feature hook: nothing after the hooked layer needs computing."""


def feature_layer(core: nn.Module) -> nn.Module:
    """The layer whose output GANSpace takes the PCA of: the first block of the generator.

    MLP / DCGAN / toy MLP (an `nn.Sequential` called net): the first activation (after the first
    Linear or ConvTranspose and its normalisation), the earliest point where z has gone through a
    nonlinearity; ResNet: the first residual block; otherwise the first Linear / convolution.
    """
    net = getattr(core, "net", None)
    if isinstance(net, nn.Sequential):
        for m in net:
            if isinstance(m, (nn.ReLU, nn.LeakyReLU, nn.SiLU, nn.GELU, nn.Tanh)):
                return m
    blocks = getattr(core, "blocks", None)
    if isinstance(blocks, nn.Sequential) and len(blocks):
        return blocks[0]
    for m in core.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            return m
    raise ValueError(f"{type(core).__name__} has no linear or convolutional layer to take features from")


# ----------------------------------------------------------------------------------- truncation
def truncate(x: torch.Tensor, mean: torch.Tensor | float, psi: float) -> torch.Tensor:
    """The truncation trick (Brock et al. 2019; Karras et al. 2019 in w):  x' = mean + psi (x - mean).

    psi = 1 leaves x alone, psi = 0 gives the mean latent (the "average" sample), values in between
    trade variety for typicality; psi < 0 gives the "opposite" of x.
    """
    return torch.lerp(torch.as_tensor(mean, dtype=x.dtype, device=x.device).expand_as(x), x, psi) \
        if psi != 1.0 else x


# ----------------------------------------------------------------------------------- the model
class LatentModel:
    """A trained generator seen through its latent space.

    One `generate` call is one forward pass of G for a batch: z (B, d) from seeds or a path, plus
    (in this order) edits along z directions, truncation toward the mean latent, and for the
    style-based generator edits along w directions and style mixing at a crossover layer.

    G: a gan_core generator in eval mode (wrapped in ConditionalGenerator for conditional models).
    noise: the distribution of z the model was trained on ("gaussian" | "uniform"), whose mean is 0.
    """

    def __init__(self, G: nn.Module, latent_dim: int, *, noise: str = "gaussian", num_classes: int = 0,
                 class_names: Sequence[str] | None = None):
        self.G = G.eval()
        self.latent_dim = int(latent_dim)
        self.noise = noise
        self.num_classes = int(num_classes or getattr(G, "num_classes", 0) or 0)
        if class_names is not None and len(class_names) != self.num_classes:
            class_names = None
        self.class_names = list(class_names) if class_names else [str(i) for i in range(self.num_classes)]
        self.conditional = self.num_classes > 0 and hasattr(G, "embed")
        self.core = G.net if self.conditional else G
        self.style = hasattr(self.core, "synthesis") and hasattr(self.core, "mapping")
        self.num_ws = int(getattr(self.core, "num_ws", 0) or 0)
        self._w_mean: torch.Tensor | None = None
        self._extent: float | None = None
        p = next(G.parameters())
        self.device, self.dtype = p.device, torch.float32
        self.bf16 = False  # run G's layers under bfloat16 autocast (see `_run`); off by default

    # -- latents
    def seeds_to_z(self, seeds: Sequence[int]) -> torch.Tensor:
        """One z per seed, drawn on the CPU from its own generator: seed s always gives the same z,
        whatever else is in the batch. (B, d) float32 on the model's device."""
        z = torch.empty(len(seeds), self.latent_dim)
        for i, s in enumerate(seeds):
            z[i] = sample_noise(self.noise, 1, self.latent_dim, generator=torch.Generator().manual_seed(int(s)))[0]
        return z.to(self.device)

    def labels(self, y: int | Sequence[int] | torch.Tensor | None, n: int) -> torch.Tensor | None:
        """Class labels (n,) for a conditional model (a single class is repeated); None otherwise."""
        if not self.conditional:
            return None
        if y is None:
            y = 0
        y = torch.as_tensor(y, dtype=torch.long).flatten()
        if y.numel() == 1:
            y = y.expand(n)
        if y.numel() != n:
            raise ValueError(f"{y.numel()} labels for {n} latents")
        if int(y.min()) < 0 or int(y.max()) >= self.num_classes:
            raise ValueError(f"class labels must be in 0..{self.num_classes - 1}, got {y.tolist()}")
        return y.to(self.device)

    def _zin(self, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return self.G._zy(z, y) if self.conditional else z  # conditional: [z, e(y)]

    @torch.inference_mode()
    def to_w(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Style-based generator: w = mapping(z) (B, w_dim)."""
        if not self.style:
            raise ValueError("only the style-based generator has a w space")
        return self.core.mapping(self._zin(z, self.labels(y, z.shape[0])))

    def w_mean(self) -> torch.Tensor:
        """The mean w: the running average tracked in training (`w_avg`), else (a generator whose
        w_avg was never updated) the mean of mapping(z) over 4096 fixed draws of z."""
        if self._w_mean is None:
            w_avg = getattr(self.core, "w_avg", None)
            if w_avg is not None and float(w_avg.abs().sum()) > 0 and not self.conditional:
                self._w_mean = w_avg.detach().clone()
            else:  # conditional: the class embedding moves w; average over the classes in turn
                z = sample_noise(self.noise, 4096, self.latent_dim, generator=torch.Generator().manual_seed(0))
                y = torch.arange(4096) % self.num_classes if self.conditional else None
                self._w_mean = self.to_w(z.to(self.device), y).mean(0)
        return self._w_mean

    @torch.inference_mode()
    def generate(self, z: torch.Tensor, y: int | Sequence[int] | torch.Tensor | None = None, *, psi: float = 1.0,
                 z_offset: torch.Tensor | None = None, w_offset: torch.Tensor | None = None,
                 mix_z: torch.Tensor | None = None, crossover: int | None = None, bf16: bool | None = None
                 ) -> torch.Tensor:
        """Images (B, C, H, W) in [-1, 1] (or 2-D points (B, 2)) for latents z (B, d).

        z' = truncate(z + z_offset, 0, psi)            (z's mean is 0 for both noise kinds)
        style-based: w = truncate(mapping(z'), w_mean, psi) + w_offset, one w per layer; with mix_z
        (B, d) the layers from `crossover` on take mix_z's w instead (coarse styles from z, fine
        ones from mix_z). Truncation happens in w there, not in z (as in StyleGAN).
        bf16: run G's layers under bfloat16 autocast (None: the model's `bf16` setting; see `_run`).
        """
        z = z.to(self.device, self.dtype)
        if z_offset is not None:
            z = z + z_offset.to(z)
        yy = self.labels(y, z.shape[0])
        if not self.style:
            if mix_z is not None:
                raise ValueError("style mixing needs the style-based generator (stylegan-lite)")
            z = truncate(z, 0.0, psi)
            return self._run(lambda: self.G(z, yy) if self.conditional else self.G(z), bf16)
        mean = self.w_mean()

        def edited_w(zz: torch.Tensor) -> torch.Tensor:
            w = truncate(self.core.mapping(self._zin(zz, yy)), mean, psi)
            return w + w_offset.to(w) if w_offset is not None else w

        w2 = edited_w(mix_z.to(self.device, self.dtype).expand_as(z)) if mix_z is not None else None
        return self.synthesize(edited_w(z), w2, crossover, bf16=bf16)

    @torch.inference_mode()
    def synthesize(self, w: torch.Tensor, mix_w: torch.Tensor | None = None, crossover: int | None = None, *,
                   bf16: bool | None = None) -> torch.Tensor:
        """Style-based G from w (B, w_dim): every layer gets w, or with mix_w the layers from
        `crossover` on get mix_w (StyleGAN's style mixing). (B, C, H, W) in [-1, 1]."""
        if not self.style:
            raise ValueError("only the style-based generator has a w space")
        ws = w[:, None].expand(-1, self.num_ws, -1)  # (B, L, w)
        if mix_w is not None:
            k = self.num_ws if crossover is None else int(crossover)
            if not 0 <= k <= self.num_ws:
                raise ValueError(f"the crossover layer must be in 0..{self.num_ws}, got {k}")
            ws = torch.cat([ws[:, :k], mix_w[:, None].expand(-1, self.num_ws - k, -1)], 1)
        return self._run(lambda: self.core.synthesis(ws), bf16)

    def _run(self, fn, bf16: bool | None = None):
        """G's image-making part in float32, or under bfloat16 autocast when `bf16` is on (convolutions
        and matrix products in bf16, 8 mantissa bits; results back in float32). The mapping network
        and every latent stay float32, so PCA, truncation and paths are unaffected."""
        if not (self.bf16 if bf16 is None else bf16):
            return fn()
        with torch.autocast(self.device.type, dtype=torch.bfloat16):
            return fn().float()

    def bf16_error(self, n: int = 64) -> float:
        """max |G_bf16(z) - G_fp32(z)| over n fixed latents: what the faster precision costs, in output
        units (images: [-1, 1], so 2/255 is one grey level of an 8-bit image)."""
        z = sample_noise(self.noise, n, self.latent_dim, generator=torch.Generator().manual_seed(0))
        y = self.labels(torch.arange(n) % self.num_classes, n) if self.conditional else None
        return float((self.generate(z, y, bf16=True) - self.generate(z, y, bf16=False)).abs().max())

    @torch.inference_mode()
    def w_of(self, z: torch.Tensor, y: int | Sequence[int] | torch.Tensor | None = None, psi: float = 1.0
             ) -> torch.Tensor:
        """Truncated w for latents z: w_mean + psi (mapping(z) - w_mean). (B, w_dim)."""
        w = self.to_w(z.to(self.device, self.dtype), y)
        return truncate(w, self.w_mean(), psi)

    def extent(self) -> float:
        """2-D point models: half-width of a square view that holds (almost) all of G's points:
        1.15 x the largest |coordinate| of 2048 fixed samples (at least 1)."""
        if self._extent is None:
            z = sample_noise(self.noise, 2048, self.latent_dim, generator=torch.Generator().manual_seed(0))
            x = self.generate(z, self.labels(torch.arange(2048) % max(1, self.num_classes), 2048))
            self._extent = max(1.0, 1.15 * float(x.abs().max())) if x.dim() == 2 else 1.0
        return self._extent

    def picture(self, x: torch.Tensor, nrow: int | None = None, scale: int = 1) -> Image.Image:
        """Images (B, C, H, W) -> a grid; 2-D points (B, 2) -> a scatter on the model's extent."""
        if x.dim() == 2:
            return points_image(x.float().cpu().numpy(), extent=self.extent())
        return grid_image(x, nrow, scale)

    # -- GANSpace
    @torch.inference_mode()
    def ganspace(self, k: int = 10, n: int = 2048, seed: int = 0, y: int | None = None) -> Directions:
        """Principal directions of the latent space (GANSpace, Harkonen et al. 2020).

        Style-based G: PCA of w = mapping(z) over n draws of z; the principal axes v_i are
        directions in w (orthonormal by construction) and scale_i is the std of w along v_i.

        Other generators: PCA of the features h = G_1(z) of the first block (`feature_layer`),
        then, since h is not a latent, each principal axis is carried back to z by linear
        regression, as the paper does for BigGAN: with x = V^T (h - mu) the PCA coordinates
        (n, k), solve min_U || x U - z ||^2, so row U_i is the direction of z that moves the sample
        along principal axis i. The rows are orthonormalised in order of variance (Gram-Schmidt)
        so that the sliders are independent; scale_i = std of z along the result (about 1 for
        Gaussian z).
        """
        if k < 1:
            raise ValueError(f"the number of principal directions must be at least 1, got {k}")
        g = torch.Generator().manual_seed(int(seed))
        z = sample_noise(self.noise, n, self.latent_dim, generator=g).to(self.device)
        yy = (torch.randint(0, self.num_classes, (n,), generator=g) if y is None else y) if self.conditional else None
        if self.style:
            w = self.to_w(z, yy).float().cpu()
            k = min(k, w.shape[1])
            comps, std, expl = _pca(w, k, seed)
            return Directions(comps.float().contiguous(), std.float(), "w", expl.float(),
                              [Msg("PC{i} (w)", i=i + 1) for i in range(k)])
        feats: list[torch.Tensor] = []

        def hook(_m, _inp, out):
            feats.append(out.flatten(1).float().cpu())
            raise _Stop

        layer = feature_layer(self.core)
        handle = layer.register_forward_hook(hook)
        try:
            for start in range(0, n, 512):
                try:
                    zz = z[start:start + 512]
                    self.G(zz, self.labels(yy[start:start + 512], zz.shape[0])) if self.conditional else self.G(zz)
                except _Stop:
                    pass
        finally:
            handle.remove()
        h = torch.cat(feats)  # (n, F)
        k = min(k, self.latent_dim, h.shape[1])
        comps, _std, expl = _pca(h, k, seed)
        x = (h.double() - h.double().mean(0)) @ comps.T  # PCA coordinates (n, k)
        U = torch.linalg.lstsq(x, z.cpu().double()).solution  # (k, d): x U ~ z
        v = orthonormalize(U)
        scale = (z.cpu().double() @ v.T).std(0)  # spread of z along each direction
        return Directions(v.float(), scale.float(), "z", expl.float(), [Msg("PC{i}", i=i + 1) for i in range(k)])


# ----------------------------------------------------------------------------------- pictures
def gif_bytes(frames: Sequence[Image.Image] | torch.Tensor, fps: float = 12.0, scale: int = 1,
              nrow: int | None = None) -> bytes:
    """An animated GIF that loops forever (Netscape loop count 0).

    frames: PIL images, or a tensor (T, C, H, W) in [-1, 1] (one image per frame) or (T, N, C, H, W)
    (a grid per frame). Consecutive identical frames are merged by Pillow into one longer frame, so a
    path with repeated points has fewer frames than points.
    """
    if torch.is_tensor(frames):
        t = frames if frames.dim() == 5 else frames[:, None]
        frames = [grid_image(f, nrow, scale) for f in t]
    elif scale > 1:
        frames = [f.resize((f.width * scale, f.height * scale), Image.NEAREST) for f in frames]
    if not frames:
        raise ValueError("a GIF needs at least one frame")
    if not 0.5 <= fps <= 50:
        raise ValueError(f"frames per second must be in 0.5..50, got {fps}")
    frames = [f.convert("RGB") if f.mode not in ("L", "RGB", "P") else f for f in frames]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=list(frames[1:]), loop=0,
                   duration=round(1000 / fps), disposal=1)
    return buf.getvalue()


def render_gallery(model: LatentModel, seeds: Sequence[int], chosen: int, *,
                   y: int | Sequence[int] | torch.Tensor | None = None, psi: float = 1.0,
                   z_offset: torch.Tensor | None = None, w_offset: torch.Tensor | None = None,
                   single_scale: int = 8, bf16: bool | None = None) -> tuple[bytes, bytes | None, torch.Tensor]:
    """What the Explore page does on every slider move: one forward pass of G for the gallery's
    seeds plus the chosen seed (one batch), the gallery grid (or scatter) as PNG, and the chosen
    seed's image upscaled `single_scale` x as PNG (None for 2-D points).

    y: one label, or len(seeds) + 1 labels (the chosen seed's last). Returns (grid_png,
    single_png, G's output). bench/explore_latency.py times exactly this function.
    """
    n = len(seeds)
    x = model.generate(model.seeds_to_z([*seeds, chosen]), y, psi=psi, z_offset=z_offset, w_offset=w_offset, bf16=bf16)
    grid_png = png_bytes(model.picture(x[:n]))
    one = None if x.dim() == 2 else png_bytes(model.picture(x[n:], scale=single_scale))
    return grid_png, one, x
