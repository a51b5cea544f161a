"""Typed training configuration: defaults, validation with clear errors, dict round trip.

Every field has a one-line comment. `TrainConfig.validate()` refuses bad values with a
`ConfigError` that names the field and says what is allowed; it never silently corrects them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from typing import Any

DEVICES = ("auto", "cpu", "cuda")


class ConfigError(ValueError):
    """A configuration value is not allowed. `field` names the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


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
    arch: str = "mlp"  # registry name: mlp | dcgan
    latent_dim: int = 100  # size of the noise vector z ~ N(0, I)
    width: int = 128  # MLP: first hidden width (doubles per layer); DCGAN: base channel count
    # --- objective
    loss: str = "ns"  # registry name: ns | lsgan | wgan-gp
    gp_weight: float = 10.0  # lambda of the WGAN-GP gradient penalty
    # --- optimisation
    lr_g: float = 2e-4  # generator learning rate
    lr_d: float = 2e-4  # discriminator learning rate
    beta1: float = 0.5  # Adam beta1 (0.5 is the DCGAN recommendation)
    beta2: float = 0.999  # Adam beta2
    schedule: str = "constant"  # registry name: constant | step | cosine
    lr_step_every: int = 1000  # step decay: multiply the LR by lr_gamma every this many steps
    lr_gamma: float = 0.5  # step decay factor
    batch_size: int = 64  # samples per batch for D and G
    steps: int = 2000  # generator steps (one step = d_steps D updates + 1 G update)
    d_steps: int = 1  # discriminator updates per generator update
    # --- run
    seed: int = 0  # seeds data sampling, init and the fixed noise batch
    device: str = "auto"  # auto picks cuda when available, else cpu
    log_every: int = 10  # steps between metric transfers to the host
    sample_every: int = 100  # steps between fixed-noise sample grids
    n_fixed: int = 64  # size of the fixed noise batch behind the sample grid
    checkpoint_every_s: float = 30.0  # wall seconds between checkpoint refreshes

    # ------------------------------------------------------------------ helpers
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        """Build from a dict (e.g. config.json); unknown keys and wrong types are refused."""
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
        cfg = cls(**kwargs)
        cfg.validate()
        return cfg

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def validate(self) -> "TrainConfig":
        """Raise ConfigError naming the first bad field; return self when all is well."""
        from gan_core.data import DATASETS, DataOptionError, check_options, dataset_size
        from gan_core.losses import LOSSES
        from gan_core.models import ARCHS
        from gan_core.optim import SCHEDULES

        for f in fields(self):  # types first: "64" or 64.5 would otherwise fail later, in the thread
            v, want = getattr(self, f.name), type(getattr(TrainConfig, f.name))
            ok = isinstance(v, (int, float)) if want is float else isinstance(v, want)
            if not ok or (isinstance(v, bool) and want is not bool):
                raise ConfigError(f.name, f"expected {want.__name__}, got {v!r}")
        try:  # dataset name (KEY or KEY:PATH) and preprocessing options; files are checked when read
            check_options(self)
        except DataOptionError as e:
            raise ConfigError(e.field, str(e)) from None
        for field, reg in (("dataset", DATASETS), ("arch", ARCHS), ("loss", LOSSES), ("schedule", SCHEDULES)):
            value = getattr(self, field)
            if value not in reg:
                raise ConfigError(field, f"unknown value {value!r}; allowed: {', '.join(reg.names())}")
        spec = DATASETS.get(self.dataset)
        if getattr(ARCHS.get(self.arch), "image_only", False) and spec.kind != "image":
            raise ConfigError("arch", f"{self.arch!r} needs an image dataset; {self.dataset!r} is 2-D points. Use 'mlp'.")
        if self.device not in DEVICES:
            raise ConfigError("device", f"unknown value {self.device!r}; allowed: {', '.join(DEVICES)}")

        def positive(name: str, upper: float | None = None) -> None:
            v = getattr(self, name)
            if not math.isfinite(v) or v <= 0 or (upper is not None and v > upper):
                rng = f"in (0, {upper}]" if upper is not None else "> 0"
                raise ConfigError(name, f"must be {rng}, got {v!r}")

        def int_range(name: str, lo: int, hi: int) -> None:
            v = getattr(self, name)
            if not lo <= v <= hi:
                raise ConfigError(name, f"must be an integer from {lo} to {hi}, got {v!r}")

        positive("lr_g", 1.0)
        positive("lr_d", 1.0)
        for b in ("beta1", "beta2"):
            v = getattr(self, b)
            if not (math.isfinite(v) and 0.0 <= v < 1.0):
                raise ConfigError(b, f"must be in [0, 1), got {v!r}")
        positive("gp_weight", 1000.0)
        positive("lr_gamma", 1.0)
        int_range("lr_step_every", 1, 10_000_000)
        int_range("latent_dim", 1, 1024)
        int_range("width", 4, 2048)
        int_range("steps", 1, 10_000_000)
        int_range("d_steps", 1, 100)
        int_range("seed", 0, 2**31 - 1)
        int_range("log_every", 1, 100_000)
        int_range("sample_every", 1, 10_000_000)
        int_range("n_fixed", 1, 2048)
        positive("checkpoint_every_s", 86400.0)
        int_range("batch_size", 1, min(dataset_size(self) or 4096, 4096))  # csv/folder/zip: checked when loaded
        if not self.data_dir.strip():
            raise ConfigError("data_dir", "must be a directory path, got an empty string")
        return self


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
    "fmnist-dcgan": Preset("Fashion-MNIST, DCGAN (non-saturating)", dict(
        dataset="fashion-mnist", arch="dcgan", loss="ns", latent_dim=100, width=64, batch_size=64, steps=3000)),
    "fmnist-mlp": Preset("Fashion-MNIST, classic MLP GAN", dict(
        dataset="fashion-mnist", arch="mlp", loss="ns", latent_dim=100, width=256, batch_size=64, steps=5000)),
    "fmnist-wgan-gp": Preset("Fashion-MNIST, DCGAN + WGAN-GP", dict(
        dataset="fashion-mnist", arch="dcgan", loss="wgan-gp", lr_g=1e-4, lr_d=1e-4, beta1=0.0, beta2=0.9,
        d_steps=5, width=64, batch_size=64, steps=2000)),
}


def preset(name: str) -> TrainConfig:
    if name not in PRESETS:
        raise ConfigError("preset", f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}")
    return TrainConfig(**PRESETS[name].fields).validate()
