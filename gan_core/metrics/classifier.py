"""Small per-dataset classifiers whose features and predictions score generated images.

Inception-v3 (the network behind FID and IS) was trained on photographs at 299x299; on 28x28
grayscale clothing or 8x8 digits its features say little, and its weights need a download.
A small CNN trained on the dataset itself is the usual stand-in for MNIST-like data: its
penultimate layer (128 numbers) gives the features for the Frechet distance, KID and
precision/recall, its softmax gives the class histogram. Scores computed on these features are
comparable between runs on the same dataset and classifier, not with published Inception FIDs.

    python -m gan_core train-classifier --dataset fashion-mnist   # writes pretrained/classifier-fashion-mnist.*

A classifier is one safetensors file plus a JSON model card (dataset, architecture, test
accuracy, the command that reproduces it, training time, device, the real-data floor scores).
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save
from torch import nn

from gan_core.messages import Msg
from gan_core.store import PRETRAINED_DIR, atomic_write_bytes, atomic_write_json

FEATURE_DIM = 128
HELD_OUT_FRACTION = 0.2  # datasets without an official test split: this share is held out (seeded)
SPLIT_SEED = 0


class ClassifierError(RuntimeError):
    """No classifier for a dataset, or a classifier file cannot be used; the message says why."""


class SmallCNN(nn.Module):
    """Three 3x3 conv blocks (width, 2 width, 2 width channels), a 128-unit feature layer, a linear classifier.

    Works for any input size >= 8: the spatial map is pooled to 3x3 before the dense layers.
    """

    def __init__(self, *, channels: int, n_classes: int, width: int = 16, feature_dim: int = FEATURE_DIM):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(channels, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),  # (B, w, H, W)
            nn.MaxPool2d(2),  # (B, w, H/2, W/2)
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 2w, H/4, W/4)
            nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.AdaptiveAvgPool2d(3),  # (B, 2w, 3, 3)
            nn.Flatten(),
            nn.Linear(2 * w * 9, feature_dim), nn.ReLU(),  # (B, feature_dim): the features
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(feature_dim, n_classes)
        self.num_features = feature_dim  # read by torchmetrics when this module is its feature extractor

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # logits (B, n_classes)
        return self.head(self.dropout(self.body(x)))


@dataclass
class Classifier:
    """A trained classifier with its model card. Inputs: images in [-1, 1], any size/channels."""

    net: SmallCNN
    card: dict[str, Any]

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.card["input_shape"])  # type: ignore[return-value]

    @property
    def n_classes(self) -> int:
        return int(self.card["n_classes"])

    def to(self, device: torch.device | str) -> Classifier:
        self.net.to(device)
        return self

    def adapt(self, x: torch.Tensor) -> torch.Tensor:
        """Generated or real images (N, C, H, W) in [-1, 1] -> the classifier's input shape.

        A GAN trained at 32x32 or in RGB is scored by resizing (area/bilinear) and averaging the
        colour channels, so every run on a dataset is scored by the same network."""
        c, h, w = self.shape
        x = x.float()
        if x.shape[1] != c:
            x = x.mean(1, keepdim=True) if c == 1 else x[:, :1].expand(-1, c, -1, -1)
        if tuple(x.shape[2:]) != (h, w):
            mode = "area" if x.shape[2] > h else "bilinear"
            x = F.interpolate(x, size=(h, w), mode=mode, **({} if mode == "area" else {"align_corners": False}))
        return x

    @torch.no_grad()
    def features_and_probs(self, x: torch.Tensor, batch: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (features (N, 128) float32, class probabilities (N, K)), on x's device."""
        self.net.eval()
        feats, probs = [], []
        for i in range(0, x.shape[0], batch):
            f = self.net.features(self.adapt(x[i:i + batch]))
            feats.append(f)
            probs.append(self.net.head(f).softmax(1))
        if not feats:
            return torch.zeros(0, self.net.num_features), torch.zeros(0, self.n_classes)
        return torch.cat(feats), torch.cat(probs)


class FeatureExtractor(nn.Module):
    """The classifier's feature layer as an nn.Module, the form torchmetrics' FID/KID accept."""

    def __init__(self, clf: Classifier):
        super().__init__()
        self.clf = clf
        self.num_features = clf.net.num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.clf.features_and_probs(x)[0]


# ---------------------------------------------------------------------------- files
def classifier_path(dataset: str, directory: str | Path | None = None) -> Path:
    return Path(directory or PRETRAINED_DIR) / f"classifier-{dataset}.safetensors"


def has_classifier(dataset: str, directory: str | Path | None = None) -> bool:
    return classifier_path(dataset, directory).is_file()


def no_classifier_message(dataset: str) -> Msg:
    key = dataset.split(":", 1)[0]
    if key in ("mnist", "kmnist", "cifar10"):
        why = Msg("none is shipped because {key} could not be downloaded where the shipped classifiers were trained; "
                  "with the data present, `python -m gan_core train-classifier --dataset {key}` makes one", key=key)
    elif ":" in dataset:
        why = Msg("classifier-based scores exist for the named labelled datasets (digits, fashion-mnist), not for "
                  "own files")
    else:
        why = Msg("train one with `python -m gan_core train-classifier --dataset {key}` if it has labels", key=key)
    return Msg("no classifier for this dataset ({dataset}): {why}. Loss curves and samples still work.",
               dataset=dataset, why=why)


_CACHE: dict[tuple[str, str], Classifier] = {}


def load_classifier(dataset: str, directory: str | Path | None = None,
                    device: str | torch.device = "cpu") -> Classifier:
    """The shipped (or user-trained) classifier for `dataset`; ClassifierError when there is none."""
    path = classifier_path(dataset, directory)
    if not path.is_file():
        raise ClassifierError(no_classifier_message(dataset))  # a Msg: the Train page's notice translates it
    key = (str(path.resolve()), str(device))
    if key in _CACHE:
        return _CACHE[key]
    try:
        card = json.loads(path.with_suffix(".json").read_text())
        tensors = load_file(str(path))  # safetensors: never a pickle
        net = SmallCNN(channels=int(card["input_shape"][0]), n_classes=int(card["n_classes"]),
                       width=int(card["width"]), feature_dim=int(card.get("feature_dim", FEATURE_DIM)))
        net.load_state_dict(tensors, strict=True)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        raise ClassifierError(f"{path}: not a usable classifier ({type(e).__name__}: {e})") from e
    net.eval().requires_grad_(False)
    clf = Classifier(net, card).to(device)
    _CACHE[key] = clf
    return clf


# ---------------------------------------------------------------------------- data and training
@dataclass
class Split:
    x_train: torch.Tensor  # (N, C, H, W) float32 in [-1, 1]
    y_train: torch.Tensor  # (N,) int64
    x_test: torch.Tensor
    y_test: torch.Tensor
    class_names: tuple[str, ...]
    test_source: str  # "official test split (t10k files)" or "held-out 20% (seed 0)"


def _to_unit(x: torch.Tensor, peak: float) -> torch.Tensor:
    return x.float().div(peak / 2).sub(1.0)  # [0, peak] -> [-1, 1]


def _idx_test_files(folder: Path) -> tuple[Path, Path] | None:
    for ext in ("", ".gz"):
        img, lab = folder / f"t10k-images-idx3-ubyte{ext}", folder / f"t10k-labels-idx1-ubyte{ext}"
        if img.is_file() and lab.is_file():
            return img, lab
    return None


def load_split(dataset: str, data_dir: str = "data") -> Split:
    """Train and test images of a labelled dataset at its native size.

    MNIST-family: the official t10k test files next to the training files. Others (digits):
    a seeded held-out 20%, so the test images are never seen in training."""
    from gan_core.data import DATASETS, DataError, SourceRequest

    if dataset not in DATASETS or DATASETS.get(dataset).takes_path:
        raise ClassifierError(f"train-classifier works on a named labelled dataset; got {dataset!r}")
    spec = DATASETS.get(dataset)
    if spec.kind != "image":
        raise ClassifierError(f"{dataset!r} is 2-D points: its scores need no classifier (mode coverage, KL/JS)")
    raw = spec.raw(SourceRequest(data_dir=data_dir))
    if raw.y is None:
        raise ClassifierError(f"{dataset!r} has no labels, so no classifier can be trained on it")
    x, y = _to_unit(raw.x, raw.peak), raw.y.long()
    test = _idx_test_files(Path(raw.source)) if Path(raw.source).is_dir() else None
    if test is not None:
        from gan_core.data.idxfamily import read_idx_pair

        imgs, labs = read_idx_pair(*test, title=f"{dataset} test")
        xt = _to_unit(torch.from_numpy(imgs.copy()).unsqueeze(1), 255.0)
        yt = torch.from_numpy(labs.astype("int64"))
        return Split(x, y, xt, yt, raw.class_names, f"official test split ({test[0].name}, {len(yt):,} images)")
    if dataset in ("mnist", "kmnist", "fashion-mnist"):
        raise DataError(f"{dataset}: the t10k test files are not next to {raw.source}; the classifier needs them")
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(SPLIT_SEED))
    n_test = int(round(HELD_OUT_FRACTION * len(y)))
    te, tr = perm[:n_test], perm[n_test:]
    return Split(x[tr], y[tr], x[te], y[te], raw.class_names,
                 f"held-out {HELD_OUT_FRACTION:.0%} of the {len(y):,} images (seed {SPLIT_SEED}, {n_test:,} images)")


@torch.no_grad()
def accuracy(net: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 1000) -> float:
    net.eval()
    correct = 0
    for i in range(0, len(y), batch):
        correct += int((net(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
    return correct / max(1, len(y))


def train_classifier(dataset: str, *, epochs: int | None = None, out_dir: str | Path | None = None,
                     data_dir: str = "data", device: str = "cpu", seed: int = 0, command: str | None = None,
                     width: int = 16, log=print) -> dict[str, Any]:
    """Train the small CNN on the train split, measure the test split, write weights + model card.

    Returns the model card. Augmentation: random shifts of up to 2 pixels (cheap, +~0.5% accuracy)."""
    split = load_split(dataset, data_dir)
    dev = torch.device(device)
    torch.manual_seed(seed)
    c = split.x_train.shape[1]
    n_classes = int(max(split.y_train.max(), split.y_test.max())) + 1
    net = SmallCNN(channels=c, n_classes=n_classes, width=width).to(dev)
    n = len(split.y_train)
    epochs = epochs or (4 if n > 10_000 else 40)
    batch = 128
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    steps = epochs * (-(-n // batch))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    xtr, ytr = split.x_train.to(dev), split.y_train.to(dev)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    pad = 2 if split.x_train.shape[-1] >= 16 else 1
    for ep in range(epochs):
        net.train()
        perm = torch.randperm(n, generator=gen).to(dev)
        total = 0.0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb = xtr[idx]
            # random translation by up to `pad` pixels: pad with the background (-1) and crop
            dx, dy = (int(v) for v in torch.randint(0, 2 * pad + 1, (2,), generator=gen))
            xb = F.pad(xb, (pad, pad, pad, pad), value=-1.0)[..., dy:dy + xtr.shape[2], dx:dx + xtr.shape[3]]
            loss = F.cross_entropy(net(xb), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        acc = accuracy(net, split.x_test.to(dev), split.y_test.to(dev))
        log(f"epoch {ep + 1}/{epochs}: train loss {total / n:.4f}, test accuracy {acc:.4f} ({time.time() - t0:.0f} s)")
    seconds = time.time() - t0
    test_acc = accuracy(net, split.x_test.to(dev), split.y_test.to(dev))
    net.eval().cpu()
    card: dict[str, Any] = {
        "dataset": dataset,
        "architecture": f"SmallCNN: 3x [conv3x3-BN-ReLU] ({width}, {2 * width}, {2 * width} ch; max-pool after the "
                        f"first two), adaptive avg-pool 3x3, dense {18 * width}->128 ReLU (the features), "
                        "dropout 0.3, dense 128->K",
        "width": width,
        "feature_dim": FEATURE_DIM,
        "input_shape": list(split.x_train.shape[1:]),
        "input_range": "[-1, 1] (the generator's Tanh range); other sizes/channels are resized and averaged",
        "n_classes": n_classes,
        "class_names": list(split.class_names),
        "test_accuracy": round(test_acc, 4),
        "test_split": split.test_source,
        "n_train": n,
        "n_test": len(split.y_test),
        "epochs": epochs,
        "optimiser": f"Adam, one-cycle LR up to 2e-3, batch {batch}, random shifts of up to {pad} px",
        "seed": seed,
        "command": command or f"python -m gan_core train-classifier --dataset {dataset}",
        "training_seconds": round(seconds, 1),
        "device": f"{device} ({platform.processor() or platform.machine()}, torch {torch.__version__}, "
                  f"{torch.get_num_threads()} threads)",
        "created": time.strftime("%Y-%m-%d"),
    }
    # The floor: scores of the real test split against the real training split.
    clf = Classifier(net, card)
    from gan_core.metrics.scores import image_scores

    ref = split.x_train[torch.randperm(n, generator=torch.Generator().manual_seed(seed + 7))[:10_000]]
    floor = image_scores(clf, real=ref, fake=split.x_test[:10_000], seed=seed)
    card["real_floor"] = {k: v for k, v in floor.items() if isinstance(v, (int, float))}
    card["real_floor_note"] = ("scores of the real test split (as if it were generated) against up to 10,000 "
                               "training images (the same as `python -m gan_core eval --real --dataset ...`): "
                               "the best a generator can be expected to reach with this classifier and sample size")
    path = classifier_path(dataset, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, save({k: v.contiguous() for k, v in net.state_dict().items()},
                                  metadata={"format": "gan_core-classifier/1"}))
    atomic_write_json(path.with_suffix(".json"), card)
    _CACHE.clear()
    log(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB), test accuracy {test_acc:.4f}")
    return card


def class_histogram(probs: torch.Tensor, n_classes: int) -> np.ndarray:
    """Counts of the predicted class (argmax) of each sample -> (K,) int64."""
    return np.bincount(probs.argmax(1).cpu().numpy(), minlength=n_classes).astype(np.int64)
