"""`train` refuses, before any run directory exists, what would fail the run at once (issue 16,
bug 5): `--device cuda` without a GPU, and a dataset whose files are missing. Exit code 2 and a
message saying what is wrong, as for any other bad option; nothing is left behind in runs/."""

from __future__ import annotations

import pytest
import torch

from gan_core.cli import main

pytestmark = pytest.mark.usefixtures("isolated")

TINY = ["--arch", "mlp", "--latent-dim", "2", "--width", "16", "--steps", "5", "--score-every", "0"]


def _nothing_left(tmp_path, out) -> None:
    assert not out.exists(), "a failed run directory was left behind"
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())


def test_cuda_without_a_gpu_is_refused_before_the_run_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    out = tmp_path / "runs" / "r"
    assert main(["train", "--dataset", "ring8", *TINY, "--device", "cuda", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no CUDA GPU is available" in err and "'auto' or 'cpu'" in err, err
    _nothing_left(tmp_path, out)


@pytest.mark.parametrize("dataset, named", [("mnist", "MNIST not found"), ("cifar10", "CIFAR-10 not found")])
def test_missing_dataset_files_are_refused_before_the_run_directory(tmp_path, capsys, monkeypatch, dataset, named):
    monkeypatch.setenv("GAN_DATA_DOWNLOAD", "0")  # an empty data directory, and no download
    monkeypatch.setenv("GAN_DATA_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    out = tmp_path / "runs" / "r"
    args = ["train", "--dataset", dataset, "--arch", "dcgan", "--steps", "5", "--device", "cpu", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert named in err and "GAN_DATA_DIR" in err, err
    _nothing_left(tmp_path, out)
    # without --out: no new directory under the runs root either
    assert main(args[:-2]) == 2
    _nothing_left(tmp_path, out)
