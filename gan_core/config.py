"""Typed training configuration: defaults, validation with clear errors, dict round trip.

Every field has a one-line comment. `gan_core.checks.validate_config(cfg)` refuses bad values with a
`ConfigError` that names the field and says what is allowed; it never silently corrects them. It lives
above the registries it reads (models, losses, schedules, datasets); this module imports none of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from gan_core.errors import ConfigError
from gan_core.registry import Registry

__all__ = ["DEVICES", "GROUPS", "OPTIONS", "PRESETS", "ConfigError", "Option", "Preset", "TrainConfig", "option",
           "preset"]  # ConfigError is handed on from gan_core.errors

DEVICES = ("auto", "cpu", "cuda")

# Groups of the training form, in display order: (key, title).
GROUPS = (
    ("model", "Model"),
    ("regularisation", "Loss & regularisation"),
    ("optimisation", "Optimisation"),
    ("schedule", "Learning-rate schedule"),
    ("size", "Size of the nets and of the run"),
)


@dataclass(frozen=True)
class Option:
    group: str  # one of the GROUPS keys
    lo: float | None = None  # numbers: smallest allowed value (validation and the form's widget)
    hi: float | None = None  # numbers: largest allowed value
    step: float | None = None  # numbers: the widget's +/- step
    fmt: str | None = None  # numbers: the widget's printf format ("%.4f")
    choices: Any = None  # str fields: a Registry, or a tuple of allowed values
    relevant: Callable[[Mapping[str, Any]], bool] | None = None  # shown only when true for the current values
    check: bool = True  # validate lo/hi/choices in gan_core.checks (False: TrainConfig.validate does it)
    unit: str = ""  # appended to the CLI help ("steps", "x base LR")

    def choice_names(self) -> list[Any]:
        if self.choices is None:
            return []
        return self.choices.names() if isinstance(self.choices, Registry) else list(self.choices)

    def choice_label(self, value: Any) -> str:
        if isinstance(self.choices, Registry) and value in self.choices:
            return self.choices.label(value)
        return str(value)

    def choice_help(self, value: Any) -> str:
        if isinstance(self.choices, Registry) and value in self.choices:
            return self.choices.help(value)
        return ""


OPTIONS: Registry[Option] = Registry("option")


def option(field: str, *, label: str, help: str, group: str, **kw: Any) -> Option:
    """Register the form entry of TrainConfig field `field` (label and help shown next to it)."""
    if group not in dict(GROUPS):
        raise ValueError(f"option {field!r}: unknown group {group!r}; allowed: {', '.join(dict(GROUPS))}")
    opt = Option(group=group, **kw)
    OPTIONS.register(field, label=label, help=help)(opt)
    return opt


@dataclass
class TrainConfig:
    # --- data
    dataset: str = "ring8"  # a name in gan_core.data.DATASETS (ring8, mnist, ...), or csv:/folder:/zip:PATH in the data root
    data_dir: str = "data"  # where image datasets are looked for first ($GAN_DATA_DIR overrides)
    resolution: int = 0  # images: 0 = the source's native size (folder/zip: 64), else 28, 32 or 64
    channels: int = 0  # images: 0 = the source's (folder/zip: RGB), 1 = grayscale, 3 = RGB
    fit: str = "crop"  # images that are not square: crop (centre) or pad (black borders)
    hflip: bool = False  # images: add a mirrored copy of every image (doubles the dataset)
    # --- model
    arch: str = "mlp"  # registry name: mlp | dcgan | resnet | stylegan-lite
    latent_dim: int = 100  # size of the noise vector z
    noise: str = "gaussian"  # distribution of z: gaussian N(0, I) | uniform U[-1, 1]^d (gan_core.noise)
    width: int = 128  # mlp: first hidden width (doubles per layer); toy-mlp: every hidden layer; conv nets: base channels
    depth: int = 0  # extra layers per stage beyond the classic design (0 = the paper's network)
    g_norm: str = "auto"  # normalisation in G: auto (the architecture's) | batch | layer | none
    d_norm: str = "auto"  # normalisation in D: auto (the architecture's; none with GP/R1) | batch | layer | none
    conditioning: str = "none"  # class labels into G and D: none | concat | projection (labelled datasets)
    style_mixing: float = 0.9  # stylegan-lite: share of generated samples that mix two latents' styles
    # --- objective
    loss: str = "ns"  # registry name: ns | minimax | lsgan | wgan | wgan-gp | hinge
    gp_weight: float = 10.0  # lambda of the WGAN-GP gradient penalty
    clip_value: float = 0.01  # WGAN weight clipping: D's weights are clamped to [-c, c]
    r1_weight: float = 0.0  # gamma of the R1 penalty gamma/2 E||grad D(x)||^2 on real data (0 = off)
    label_smoothing: float = 0.0  # BCE losses: real label 1 - s for D (one-sided; 0 = off)
    label_flip: float = 0.0  # BCE losses: probability that each of D's real/fake labels is flipped (0 = off)
    spectral_norm: bool = False  # spectral normalisation of every weight of D
    instance_noise: float = 0.0  # std of the Gaussian noise added to D's inputs at step 0 (0 = off)
    instance_noise_steps: int = 0  # the noise std decays linearly to 0 over this many steps (0 = the whole run)
    grad_clip: float = 0.0  # clip each net's gradient norm to this (0 = off)
    pac: int = 1  # PacGAN: D sees this many samples at once (1 = off)
    diffaug: str = "none"  # DiffAugment policy: none, or a comma list in the order color,translation,cutout
    ema_decay: float = 0.0  # EMA of G's weights, sampled and checkpointed (0 = off; 0.999 usual)
    # --- optimisation
    lr_g: float = 2e-4  # generator learning rate
    lr_d: float = 2e-4  # discriminator learning rate
    opt_g: str = "adam"  # generator optimiser: adam | rmsprop | sgd
    opt_d: str = "adam"  # discriminator optimiser: adam | rmsprop | sgd
    beta1: float = 0.5  # Adam beta1 (0.5 is the DCGAN recommendation)
    beta2: float = 0.999  # Adam beta2
    momentum: float = 0.9  # SGD momentum
    schedule: str = "constant"  # registry name: constant | warmup | step | exponential | cosine | cyclic | warmup-cosine
    lr_step_every: int = 1000  # step / exponential decay: multiply the LR by lr_gamma every this many steps
    lr_gamma: float = 0.5  # step / exponential decay factor
    warmup_steps: int = 500  # warm-up schedules: steps of the linear warm-up
    warmup_start: float = 0.01  # warm-up schedules: the LR starts at this fraction of its value
    lr_cycle_steps: int = 2000  # cyclic schedule: steps of one up-and-down cycle
    lr_min_factor: float = 0.0  # cosine / cyclic schedules: lowest LR as a fraction of the base LR
    batch_size: int = 64  # samples per batch for D and G
    steps: int = 2000  # generator steps (one step = d_steps D updates + 1 G update)
    time_limit: float = 0.0  # seconds of training (pauses excluded) after which the run ends as finished; 0 = none
    d_steps: int = 1  # discriminator updates per generator update
    # --- run
    seed: int = 0  # seeds data sampling, init and the fixed noise batch
    device: str = "auto"  # auto picks cuda when available, else cpu
    log_every: int = 10  # steps between metric transfers to the host
    sample_every: int = 100  # steps between fixed-noise sample grids
    n_fixed: int = 64  # size of the fixed noise batch behind the sample grid
    checkpoint_every_s: float = 30.0  # wall seconds between checkpoint refreshes
    score_every: int = 250  # steps between quality scores (FD, KID, coverage, ...) and collapse checks; 0 = off
    tensorboard: bool = False  # also write TensorBoard event files to <run>/tensorboard (needs the tensorboard package)
    # --- speed (gan_core.accel): how the nets compute, never what
    precision: str = "auto"  # auto | fp32 | bf16 | fp16 (CUDA): autocast type of the nets; auto = bf16 where it is fast
    channels_last: str = "auto"  # auto | on | off: NHWC layout for conv nets (auto = on CUDA only)
    compile: bool = False  # torch.compile G and D (a compiling phase first; falls back to eager on failure)

    # ------------------------------------------------------------------ helpers
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        """Build from a dict (e.g. config.json); unknown keys and wrong types are refused. The values
        themselves are checked by `gan_core.checks.validate_config` (or use `checks.config_from_dict`)."""
        if not isinstance(d, dict):
            raise ConfigError("config", f"expected a JSON object, got {type(d).__name__}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise ConfigError(unknown[0], f"unknown field; allowed: {', '.join(known)}")
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for name, value in d.items():
            want = type(getattr(defaults, name))
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, want) or isinstance(value, bool) and want is not bool:
                raise ConfigError(name, f"expected {want.__name__}, got {value!r}")
            kwargs[name] = value
        return cls(**kwargs)

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Preset:
    label: str  # shown in the UI
    fields: dict[str, Any]  # TrainConfig fields that differ from the defaults


PRESETS: dict[str, Preset] = {
    # Known-good starting points; a preset fills the form and every field stays editable.
    "ring8-mlp": Preset("Ring of 8 Gaussians, MLP (fast on a CPU)", dict(
        dataset="ring8", arch="mlp", loss="ns", latent_dim=2, width=128, lr_g=1e-3, lr_d=1e-3,
        batch_size=256, steps=3000, sample_every=50, n_fixed=512)),
    "digits-dcgan": Preset("Digits 8x8, DCGAN (about a minute on a CPU)", dict(
        dataset="digits", arch="dcgan", loss="ns", latent_dim=64, width=32, batch_size=64, steps=1500)),
    # Fast presets for a class on a laptop CPU (bench/time_to_quality.py; the search is in the README):
    # width 32 and LR 1e-3 for both players (2e-4 -> 5e-4 -> 1e-3 each lowered FD_clf at 60 and 120 s
    # of one core), EMA of G (the grid shows the averaged G), a 5-minute limit; sample grid every 50 steps.
    "fmnist-cfast": Preset("Fashion-MNIST, fast conditional DCGAN: a row per class in 1 min, sharp in 5 "
                           "(5-min limit)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", conditioning="projection", latent_dim=100, width=32,
        lr_g=1e-3, lr_d=1e-3, ema_decay=0.999, batch_size=64, steps=100_000, time_limit=300.0, sample_every=50,
        n_fixed=100)),
    "fmnist-fast": Preset("Fashion-MNIST, fast DCGAN: shapes in 1 min, garments in 5 (5-min limit)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", latent_dim=100, width=32, lr_g=1e-3, lr_d=1e-3,
        ema_decay=0.999, batch_size=64, steps=100_000, time_limit=300.0, sample_every=50)),
    "fmnist-dcgan": Preset("Fashion-MNIST, DCGAN (non-saturating)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", latent_dim=100, width=64, batch_size=64, steps=3000)),
    "fmnist-mlp": Preset("Fashion-MNIST, classic MLP GAN", dict(
        dataset="fashion-mnist", arch="mlp", loss="ns", latent_dim=100, width=256, batch_size=64, steps=5000)),
    "fmnist-wgan-gp": Preset("Fashion-MNIST, DCGAN + WGAN-GP", dict(
        dataset="fashion-mnist", arch="dcgan", loss="wgan-gp", lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9,
        d_steps=5, width=64, batch_size=64, steps=2000)),
    "fmnist-lsgan": Preset("Fashion-MNIST, DCGAN + least squares (LSGAN)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="lsgan", latent_dim=100, width=64, batch_size=64, steps=3000)),
    "ring8-wgan": Preset("Ring of 8 Gaussians, WGAN with weight clipping (RMSprop)", dict(
        dataset="ring8", arch="mlp", loss="wgan", opt_g="rmsprop", opt_d="rmsprop", lr_g=2e-4, lr_d=2e-4,
        clip_value=0.05, d_steps=5, latent_dim=2, width=128, batch_size=256, steps=3000, sample_every=50,
        n_fixed=512)),
    "ring8-pacgan": Preset("Ring of 8 Gaussians, PacGAN (D sees 4 samples at once)", dict(
        dataset="ring8", arch="mlp", loss="ns", pac=4, latent_dim=2, width=128, lr_g=1e-3, lr_d=1e-3,
        batch_size=256, steps=3000, sample_every=50, n_fixed=512)),
    "digits-cdcgan": Preset("Digits 8x8, conditional DCGAN (a row per digit; fast on a CPU)", dict(
        dataset="digits", arch="dcgan", loss="ns", conditioning="concat", latent_dim=64, width=32, batch_size=64,
        steps=1500, n_fixed=100)),
    "fmnist-cdcgan": Preset("Fashion-MNIST, conditional DCGAN (projection D)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", conditioning="projection", latent_dim=100, width=64,
        batch_size=64, steps=3000, n_fixed=100)),
    "cifar10-sngan": Preset("CIFAR-10, SNGAN: ResNet + spectral norm + hinge loss", dict(
        dataset="cifar10", arch="resnet", loss="hinge", spectral_norm=True, lr_g=2e-4, lr_d=2e-4, beta1=0.0,
        beta2=0.9, d_steps=5, latent_dim=128, width=64, batch_size=64, steps=5000)),
    "fmnist-stylegan": Preset("Fashion-MNIST, StyleGAN-lite (R1, EMA, style mixing)", dict(
        dataset="fashion-mnist", arch="stylegan-lite", loss="ns", r1_weight=1.0, ema_decay=0.999, style_mixing=0.9,
        lr_g=2e-4, lr_d=2e-4, beta1=0.0, beta2=0.99, latent_dim=64, width=32, batch_size=32, steps=5000)),
    # 2-D lab (app_pages/toy_lab.py) and the mode-collapse benchmark (bench/toy_modes.py, table in the README)
    "ring8-lab": Preset("2-D lab: ring of 8, small MLP (2 hidden layers of 64), 2-D noise", dict(
        dataset="ring8", arch="toy-mlp", depth=2, width=64, latent_dim=2, loss="ns", lr_g=1e-3, lr_d=1e-3,
        batch_size=128, steps=20000, sample_every=50, n_fixed=256)),
    # The mode-collapse benchmark's winners (bench/toy_modes.py; table and command in the README).
    # A cosine decay to 2% of the LR over a long run sharpens the modes. Seed 0: ring 82% HQ (10k steps,
    # constant LR) -> 87.6% (20k) -> 91.5% (20k, cosine) -> 94.4% (40k, cosine) -> 97.0% (80k, cosine);
    # grid 74% -> 85.4% -> 87.4% -> 93.4% (40k, cosine) -> 95.4% (80k, cosine). Three-seed tables in the README.
    "ring8-best": Preset("Ring of 8, best measured: PacGAN (pac 4) + R1 0.1 + EMA of G, 3x128 MLPs, 80k steps, "
                         "cosine LR", dict(
        dataset="ring8", arch="toy-mlp", depth=3, width=128, latent_dim=2, loss="ns", pac=4, ema_decay=0.999,
        r1_weight=0.1, lr_g=1e-3, lr_d=1e-3, batch_size=256, steps=80000, schedule="cosine", lr_min_factor=0.02,
        sample_every=50, n_fixed=512)),
    "grid25-best": Preset("Grid of 25, best measured: R1 0.1 + EMA of G (no packing), 3x128 MLPs, 80k steps, "
                          "cosine LR", dict(
        dataset="grid25", arch="toy-mlp", depth=3, width=128, latent_dim=2, loss="ns", ema_decay=0.999,
        r1_weight=0.1, lr_g=1e-3, lr_d=1e-3, batch_size=256, steps=80000, schedule="cosine", lr_min_factor=0.02,
        sample_every=50, n_fixed=512)),
}


def preset(name: str) -> TrainConfig:
    """The config of a named preset (each one is validated by tests/test_presets.py)."""
    if name not in PRESETS:
        raise ConfigError("preset", f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}")
    return TrainConfig(**PRESETS[name].fields)
