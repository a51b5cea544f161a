"""The first page loads fast because it imports only what it uses (issue 15, finding 7).

Timings belong in bench/first_page.py (a shared 2-core machine is too noisy for timing asserts);
these tests pin the causes instead. Before, the Train page's first load imported scikit-learn
(2 s: scipy, pandas) for the toy datasets, torchvision (2.7 s: torch._dynamo through
torchvision.ops) for one grid function, TensorBoard (1.3 s) to grey out a checkbox, and
torch._dynamo (2-8 s) by building a real optimiser for the LR preview. The replacements give the
same numbers as the libraries, which the other tests here check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]

HEAVY = ("sklearn", "scipy", "torchvision", "torch._dynamo", "tensorboard", "torch.utils.tensorboard")


def test_train_page_first_render_imports_no_heavy_library():
    """What app_pages/train.py imports and calls on its first render, in a fresh interpreter."""
    code = f"""
import sys
from pathlib import Path
import gan_core.checkpoint, gan_core.config, gan_core.run, gan_core.store
import ui.config_form, ui.figures, ui.scores, ui.session
from gan_core.config import TrainConfig
from gan_core.metrics.monitor import tensorboard_available
from gan_core.optim import lr_curve
from ui.figures import lr_figure
tensorboard_available()
for schedule in ("constant", "warmup-cosine", "cyclic"):
    cfg = TrainConfig(schedule=schedule)
    steps, lr_g = lr_curve(cfg.schedule, cfg.lr_g, **cfg.to_dict())
    lr_figure(steps, lr_g, lr_curve(cfg.schedule, cfg.lr_d, **cfg.to_dict())[1])
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    assert loaded == "", f"the Train page's first render imported {loaded}"


@pytest.mark.parametrize("shape,nrow,pad", [((64, 1, 28, 28), 8, 1), ((10, 3, 32, 32), 4, 1), ((7, 1, 8, 8), 3, 2),
                                            ((2, 1, 8, 8), 8, 1), ((5, 3, 4, 4), 8, 0)])
def test_the_grid_is_torchvisions(shape, nrow, pad):
    """The project's one grid renderer draws torchvision's make_grid, pixel for pixel (as 8-bit)."""
    tv = pytest.importorskip("torchvision.utils")
    from gan_core.sampling import grid_uint8

    x = torch.randn(shape, generator=torch.Generator().manual_seed(0)) * 1.3  # some values outside [-1, 1]
    ref = tv.make_grid(x, nrow=nrow, padding=pad, normalize=True, value_range=(-1, 1), pad_value=1.0)
    ref = (ref.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    ours = grid_uint8(x, nrow=nrow, padding=pad)
    assert np.array_equal(ours, ref[:, :, 0] if shape[1] == 1 else ref)


def test_one_image_keeps_its_border():
    """torchvision returns a single image without padding; our grids keep the frame (Explore's single image)."""
    from gan_core.sampling import grid_uint8

    one = grid_uint8(torch.zeros(1, 1, 8, 8), nrow=8, padding=1)
    assert one.shape == (10, 10) and one[0].tolist() == [255] * 10 and (one[1:-1, 1:-1] == 128).all()


def test_toy_generators_are_sklearns():
    datasets = pytest.importorskip("sklearn.datasets")
    from gan_core.data.toy2d import make_moons, make_swiss_roll

    for ours, theirs, noise in ((make_moons, datasets.make_moons, 0.05),
                                (make_swiss_roll, datasets.make_swiss_roll, 0.5)):
        a, b = ours(1001, noise, 1234), theirs(n_samples=1001, noise=noise, random_state=1234)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]), ours.__name__


def test_digits_are_sklearns():
    datasets = pytest.importorskip("sklearn.datasets")
    from gan_core.data.digits import load_digits_arrays

    images, target = load_digits_arrays()
    ref = datasets.load_digits()
    assert np.array_equal(images, ref.images) and np.array_equal(target, ref.target)
