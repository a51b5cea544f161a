"""AppTest: a run's best checkpoint (checkpoints/best.safetensors, issue 17) opens on Explore, chosen there
beside the latest one or sent from Compare's button; the Train form draws the monitoring options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from gan_core.checkpoint import save_checkpoint
from gan_core.config import TrainConfig
from gan_core.models import build_models, model_kwargs
from gan_core.store import atomic_write_json

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TRAIN = "app_pages/train.py"  # not the default page: Lessons is
RUN = "20260101-000001-aaaaaa"
SHAPE = (1, 16, 16)


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    from ui.session import get_manager

    root = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(root))
    get_manager.clear()
    cfg = TrainConfig(dataset="digits", arch="dcgan", latent_dim=8, width=8, steps=300, score_every=100)
    d = root / RUN
    (d / "checkpoints").mkdir(parents=True)
    for which, seed, step in (("last", 0, 300), ("best", 1, 200)):  # different weights: different grids
        torch.manual_seed(seed)
        G, D = build_models(cfg.arch, shape=SHAPE, **model_kwargs(cfg))
        meta = {"step": step, "run_id": RUN, "sample_shape": list(SHAPE)}
        if which == "best":
            meta["best"] = {"metric": "fd_clf", "value": 12.5, "step": step}
        save_checkpoint(d / "checkpoints" / f"{which}.safetensors", G, D, cfg, meta)
    atomic_write_json(d / "config.json", cfg.to_dict())
    atomic_write_json(d / "status.json", {"id": RUN, "state": "finished", "step": 300, "steps": 300,
                                          "arch": cfg.arch, "dataset": cfg.dataset,
                                          "best": {"metric": "fd_clf", "value": 12.5, "step": 200}})
    rows = [{"step": 100, "time": 1.0, "d_loss": 1.2, "g_loss": 0.9, "fd_clf": 20.0},
            {"step": 200, "time": 2.0, "d_loss": 1.1, "g_loss": 0.7, "fd_clf": 12.5},
            {"step": 300, "time": 3.0, "d_loss": 1.1, "g_loss": 0.7, "fd_clf": 15.0}]
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield d
    torch.set_num_threads(threads)
    get_manager.clear()


def _ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_explore_offers_the_latest_and_the_best_checkpoint(run_dir):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/explore.py").run()
    at.sidebar.radio(key="exk_source").set_value("Run checkpoint").run()
    at.sidebar.selectbox(key="exk_run").set_value(RUN).run()
    _ok(at)
    which = at.sidebar.radio(key="exk_which")
    assert which.value == "last" and "best: fd_clf 12.5 at step 200" in which.options
    latest = at.image[0].value[0]
    which.set_value("best").run()
    _ok(at)
    assert at.image[0].value[0] != latest  # the best checkpoint's weights draw another grid
    captions = " ".join(c.value for c in at.sidebar.caption) + " ".join(c.value for c in at.caption)
    assert "best checkpoint" in captions and "checkpoint: best fd_clf = 12.5 (at step 200)" in captions, captions


def test_compare_shows_the_best_and_opens_it_in_explore(run_dir):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/compare.py").run()
    _ok(at)
    frame = next(f.value for f in at.dataframe if "Best checkpoint" in f.value.columns)
    assert list(frame["Best checkpoint"]) == ["fd_clf 12.5 at step 200"]
    at.button(key="open_best").click().run()
    _ok(at)
    assert at.sidebar.radio(key="exk_source").value == "Run checkpoint"
    assert at.sidebar.selectbox(key="exk_run").value == RUN
    assert at.sidebar.radio(key="exk_which").value == "best"


def test_the_train_form_refuses_a_plateau_that_is_never_fed(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(APP, default_timeout=120).switch_page(TRAIN).run()
    at.sidebar.selectbox(key="cfg_schedule").set_value("plateau").run()
    at.sidebar.number_input(key="cfg_score_every").set_value(0).run()
    assert not at.exception
    assert at.sidebar.selectbox(key="cfg_monitor") is not None and at.sidebar.number_input(key="cfg_early_stop")
    texts = " ".join([e.value for e in at.error] + [w.value for w in at.warning] + [c.value for c in at.caption])
    assert "schedule 'plateau' watches" in texts and "score_every > 0" in texts, texts
