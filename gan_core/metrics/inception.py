"""Inception-v3 FID and Inception Score, where the Inception weights can be had.

torchmetrics computes both with torch-fidelity's port of the TF Inception graph. Its weights
(`weights-inception-2015-12-05-6726825d.pth`, about 92 MB) come from (1) $GAN_INCEPTION_WEIGHTS,
a local file; (2) torch's hub cache, where an earlier download left it; (3) a download, only when
asked (`eval --inception on`). Offline without the file, `InceptionUnavailable` says what to do,
and the classifier-based scores still work.

torch-fidelity reads a local weights file with a full unpickle; here the file is first loaded
with `torch.load(weights_only=True)` (tensors only, no code can run) and re-saved, so only a
checked copy is ever given to it.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import torch

WEIGHTS_NAME = "weights-inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = f"https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/{WEIGHTS_NAME}"
ENV = "GAN_INCEPTION_WEIGHTS"


class InceptionUnavailable(RuntimeError):
    """Inception-based scores cannot be computed here; the message says why and how to fix it."""


def _cache_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_NAME


def weights_file(download: bool = False) -> Path:
    """The Inception weights file, or InceptionUnavailable with the fix."""
    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        raise InceptionUnavailable(
            "Inception FID/IS need the torch-fidelity package: pip install torch-fidelity") from None
    env = os.environ.get(ENV)
    if env:
        p = Path(env).expanduser()
        if not p.is_file():
            raise InceptionUnavailable(f"${ENV} is {env!r}, which is not a file; point it at {WEIGHTS_NAME}")
        return p
    cached = _cache_path()
    if cached.is_file():
        return cached
    if not download:
        raise InceptionUnavailable(
            f"Inception weights not found (no ${ENV}, nothing in {cached.parent}). Inception FID/IS need "
            f"{WEIGHTS_NAME} (~92 MB): on a machine with internet run `python -m gan_core eval ... --inception on` "
            f"once, or download {WEIGHTS_URL} and set {ENV}=/path/to/it. The classifier-based scores work without it.")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        torch.hub.download_url_to_file(WEIGHTS_URL, str(cached), progress=False)
    except Exception as e:  # broad on purpose: offline, proxy, disk full all mean "not available"
        raise InceptionUnavailable(
            f"Inception weights could not be downloaded ({type(e).__name__}: {e}); this machine seems offline. "
            f"Download {WEIGHTS_URL} elsewhere and set {ENV}=/path/to/it. The classifier-based scores still "
            "work.") from None
    return cached


def _checked_copy(path: Path) -> str:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise InceptionUnavailable(f"{path}: not a plain tensor file ({type(e).__name__}: {e})") from None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise InceptionUnavailable(f"{path}: expected a state dict of tensors")
    fd, tmp = tempfile.mkstemp(suffix=".pth")
    os.close(fd)
    torch.save(state, tmp)
    return tmp


def _to_uint8_rgb(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) in [-1, 1] -> uint8 RGB, the input torchmetrics' Inception expects (it resizes)."""
    x = ((x.float() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
    return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x


@torch.no_grad()
def inception_scores(real: torch.Tensor, fake: torch.Tensor, download: bool = False, batch: int = 100,
                     device: str | torch.device = "cpu") -> dict[str, float]:
    """Inception FID (fake vs real) and Inception Score (of fake). Images in [-1, 1]."""
    from torchmetrics.image.fid import FrechetInceptionDistance, NoTrainInceptionV3
    from torchmetrics.image.inception import InceptionScore

    tmp = _checked_copy(weights_file(download))
    try:
        # sync_on_compute=False: computed by one process (rank 0 under torchrun), never gathered over the job
        fid = FrechetInceptionDistance(feature=2048, feature_extractor_weights_path=tmp,
                                       sync_on_compute=False).to(device)
        # InceptionScore takes no weights path, but takes the network: the same one, given the file
        logits = NoTrainInceptionV3(name="inception-v3-compat", features_list=["logits_unbiased"],
                                    feature_extractor_weights_path=tmp)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "will save all extracted features": 1,008 numbers an image
            isc = InceptionScore(feature=logits, sync_on_compute=False).to(device)
    finally:
        Path(tmp).unlink(missing_ok=True)
    for i in range(0, real.shape[0], batch):
        fid.update(_to_uint8_rgb(real[i:i + batch]).to(device), real=True)
    for i in range(0, fake.shape[0], batch):
        f = _to_uint8_rgb(fake[i:i + batch]).to(device)
        fid.update(f, real=False)
        isc.update(f)
    is_mean, is_std = isc.compute()
    return {"inception_fid": float(fid.compute()), "inception_score": float(is_mean),
            "inception_score_std": float(is_std)}
