"""The command line: help, refusals with one-line errors, train then sample."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan_core.cli import main
from gan_core.config import TrainConfig

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("isolated")


def gan(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    # one OpenMP thread: tiny models, and a shared 2-core CPU (see conftest.isolated)
    env = {**os.environ, "GAN_RUNS_DIR": str(tmp / "runs"), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "gan_core", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def train_options() -> list[str]:
    return ["--preset", "--out"] + ["--" + f.name.replace("_", "-") for f in dataclasses.fields(TrainConfig)]


def test_train_help_in_a_subprocess(tmp_path):
    r = gan("train", "--help", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    for opt in train_options():
        assert opt in r.stdout, opt
    for name in ("ns", "lsgan", "wgan-gp", "ring8", "digits", "fashion-mnist", "dcgan"):
        assert name in r.stdout


def test_train_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for opt in train_options():
        assert opt in out, opt


def test_sample_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as e:
        main(["sample", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--checkpoint", "--n", "--out", "--seed", "--device"):
        assert opt in out, opt


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a single-line error, got: {err!r}"
    return lines[0]


def test_bad_loss_in_a_subprocess(tmp_path):
    r = gan("train", "--loss", "foo", tmp=tmp_path)
    assert r.returncode != 0
    line = one_line(r.stderr)
    assert "--loss" in line and "foo" in line
    for name in ("ns", "lsgan", "wgan-gp"):
        assert name in line
    assert not (tmp_path / "runs").exists()  # nothing written


@pytest.mark.parametrize("args,must_mention", [
    (["--loss", "foo"], ["ns", "lsgan", "wgan-gp"]),
    (["--arch", "vit"], ["mlp", "dcgan"]),
    (["--lr-g", "-1"], ["lr_g", "(0, 1]"]),
    (["--lr-d", "0"], ["lr_d", "(0, 1]"]),
    (["--batch-size", "0"], ["batch_size", "from 1 to"]),
    (["--dataset", "digits", "--batch-size", "5000"], ["batch_size", "1797"]),
    (["--steps", "1.5"], ["--steps", "int"]),
    (["--beta1", "1"], ["beta1", "[0, 1)"]),
    (["--dataset", "ring8", "--arch", "dcgan"], ["arch", "mlp"]),
])
def test_bad_values_exit_nonzero_with_one_line(capsys, tmp_path, args, must_mention):
    try:
        code = main(["train", *args, "--out", str(tmp_path / "r")])
    except SystemExit as e:  # argparse refusals
        code = e.code
    assert code not in (0, None)
    cap = capsys.readouterr()
    line = one_line(cap.err)
    for s in must_mention:
        assert s in line, (s, line)
    assert not (tmp_path / "r").exists()


def test_sample_refuses_bad_n(tmp_path, capsys):
    code = main(["sample", "--checkpoint", str(tmp_path / "x.safetensors"), "--n", "0",
                 "--out", str(tmp_path / "s.npy")])
    assert code != 0
    assert "--n" in one_line(capsys.readouterr().err)


def test_sample_refuses_a_missing_checkpoint(tmp_path, capsys):
    code = main(["sample", "--checkpoint", str(tmp_path / "x.safetensors"), "--out", str(tmp_path / "s.npy")])
    assert code != 0
    assert "x.safetensors" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "s.npy").exists()


def test_ring8_train_then_sample(tmp_path):
    out = tmp_path / "ring"
    r = gan("train", "--dataset", "ring8", "--steps", "30", "--width", "16", "--latent-dim", "2", "--out", str(out),
            "--device", "cpu", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "finished" in r.stdout
    ckpt = out / "checkpoints" / "last.safetensors"
    assert ckpt.is_file() and (out / "metrics.jsonl").is_file()
    assert (out / "status.json").is_file()

    npy = tmp_path / "s" / "ring.npy"
    r = gan("sample", "--checkpoint", str(ckpt), "--n", "100", "--out", str(npy), "--seed", "3", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    x = np.load(npy)
    assert x.dtype == np.float32 and x.shape == (100, 2)
    assert np.isfinite(x).all()

    # --out an existing run directory is refused and leaves it alone
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    code = main(["train", "--dataset", "ring8", "--steps", "5", "--out", str(out)])
    assert code != 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_existing_run_dir_is_refused(tmp_path, capsys):
    out = tmp_path / "r"
    out.mkdir()
    (out / "status.json").write_text("{}")
    code = main(["train", "--steps", "5", "--out", str(out)])
    assert code != 0
    line = one_line(capsys.readouterr().err)
    assert str(out) in line and "already" in line
    assert (out / "status.json").read_text() == "{}"


def test_digits_dcgan_train_then_sample(tmp_path):
    out = tmp_path / "digits"
    code = main(["train", "--dataset", "digits", "--arch", "dcgan", "--steps", "5", "--width", "8", "--batch-size",
                 "16", "--latent-dim", "16", "--device", "cpu", "--out", str(out)])
    assert code == 0
    npy = tmp_path / "digits.npy"
    r = gan("sample", "--checkpoint", str(out / "checkpoints" / "last.safetensors"), "--n", "12", "--out", str(npy),
            tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    x = np.load(npy)
    assert x.dtype == np.float32 and x.shape == (12, 1, 8, 8)
    assert x.min() >= 0.0 and x.max() <= 1.0
