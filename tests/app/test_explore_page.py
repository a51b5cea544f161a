"""AppTest of the Explore page: model sources (pretrained, run checkpoint, upload), the gallery and
its sliders, interpolation with GIFs, style mixing, and refusal of bad uploads.

The page's image URLs are content hashes of the image bytes (Streamlit's media file id), so a
changed URL means changed bytes, and the same URL means the same bytes.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from gan_core.checkpoint import save_checkpoint
from gan_core.config import TrainConfig
from gan_core.models import build_models, model_kwargs
from gan_core.pretrained import list_pretrained
from gan_core.store import atomic_write_json

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SHAPE = (1, 16, 16)


def _make_run(root: Path, run_id: str, **fields) -> Path:
    """A run directory with a checkpoint of an untrained (seeded) model: what the page reads."""
    cfg = TrainConfig(dataset="digits", latent_dim=8, width=8, steps=1, **fields)
    classes = 10 if cfg.conditioning != "none" else 0
    torch.manual_seed(0)
    G, D = build_models(cfg.arch, shape=SHAPE, num_classes=classes, **model_kwargs(cfg))
    d = root / run_id
    ck = d / "checkpoints" / "last.safetensors"
    ck.parent.mkdir(parents=True)
    save_checkpoint(ck, G, D, cfg, {"step": 1, "run_id": run_id, "sample_shape": list(SHAPE)})
    atomic_write_json(d / "status.json", {"id": run_id, "state": "finished", "step": 1, "steps": 1,
                                          "arch": cfg.arch, "dataset": cfg.dataset})
    return ck


@pytest.fixture
def runs(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(root))
    paths = {"dcgan": _make_run(root, "20260101-000001-aaaaaa", arch="dcgan"),
             "style": _make_run(root, "20260101-000002-bbbbbb", arch="stylegan-lite"),
             "cond": _make_run(root, "20260101-000003-cccccc", arch="dcgan", conditioning="concat")}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield paths
    torch.set_num_threads(threads)


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/explore.py").run()
    return at


def _open_run(at: AppTest, run_id: str) -> AppTest:
    at.sidebar.radio(key="exk_source").set_value("Run checkpoint").run()
    at.sidebar.selectbox(key="exk_run").set_value(run_id).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _grid_url(at: AppTest) -> str:
    return at.image[0].value[0]


def _ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_renders_a_run_checkpoint_and_sliders_change_the_image(runs):
    at = _open_run(_page(), "20260101-000001-aaaaaa")
    assert len(at.image) == 2  # the 64-sample grid and seed A's image
    assert at.image[0].captions[0].startswith("Seeds 0 to 63")
    assert {b.key for b in at.get("download_button")} == {"ex_dl_grid", "ex_dl_one"}
    assert any("dcgan" in c.value for c in at.sidebar.caption)
    before = _grid_url(at)
    at.run()
    assert _grid_url(at) == before  # a redraw with the same settings gives the same bytes

    # PCA (GANSpace) sliders, the default kind
    assert at.segmented_control(key="exk_dirkind").value == "PCA"
    at.slider(key="exk_amt_pc0").set_value(2.0).run()
    _ok(at)
    moved = _grid_url(at)
    assert moved != before
    at.slider(key="exk_amt_pc0").set_value(0.0).run()
    assert _grid_url(at) == before

    # single z coordinates
    at.segmented_control(key="exk_dirkind").set_value("z axes").run()
    at.slider(key="exk_amt_z0").set_value(-2.5).run()
    _ok(at)
    assert _grid_url(at) not in (before, moved)
    at.button(key="ex_reset").click().run()
    assert at.slider(key="exk_amt_z0").value == 0.0 and _grid_url(at) == before

    # random directions, then truncation psi
    at.segmented_control(key="exk_dirkind").set_value("Random").run()
    at.slider(key="exk_amt_r0_0").set_value(1.0).run()
    _ok(at)
    assert _grid_url(at) != before
    at.slider(key="exk_amt_r0_0").set_value(0.0).run()
    at.sidebar.slider(key="exk_psi").set_value(0.5).run()
    _ok(at)
    assert _grid_url(at) != before


def test_interpolation_strip_and_gifs(runs):
    at = _open_run(_page(), "20260101-000001-aaaaaa")
    at.slider(key="exk_amt_pc0").set_value(1.0).run()
    at.number_input(key="exk_b").set_value(5).run()  # choose the two seeds in the gallery...
    at.button(key="ex_go_interp").click().run()  # ...and go to their interpolation
    assert at.segmented_control(key="exk_view").value == "Interpolation"
    _ok(at)
    assert "slerp path from seed 0 to seed 5" in at.image[0].captions[0]
    at.number_input(key="exk_b").set_value(1).run()
    assert "slerp path from seed 0 to seed 1" in at.image[0].captions[0]
    assert at.image[1].value[0].endswith(".gif")
    strip = at.image[0].value[0]
    at.segmented_control(key="exk_mode").set_value("linear").run()
    assert at.image[0].value[0] != strip  # linear and spherical paths differ in the middle
    at.slider(key="exk_steps").set_value(5).run()
    _ok(at)
    keys = {b.key for b in at.get("download_button")}
    assert {"ex_dl_strip", "ex_dl_gif"} <= keys
    at.text_input(key="exk_loop").set_value("3, x").run()
    assert any("whole numbers" in e.value for e in at.error)
    at.text_input(key="exk_loop").set_value("3, 4, 5").run()
    at.button(key="ex_make_loop").click().run()
    _ok(at)
    assert any("Loop through seeds 3, 4, 5" in c for im in at.image for c in im.captions)
    assert "ex_dl_loop" in {b.key for b in at.get("download_button")}
    # back to the gallery: the slider kept its value while hidden
    at.segmented_control(key="exk_view").set_value("Gallery and sliders").run()
    assert at.slider(key="exk_amt_pc0").value == 1.0


def test_style_mixing_and_classes(runs):
    at = _open_run(_page(), "20260101-000002-bbbbbb")
    assert "Style mixing" in at.segmented_control(key="exk_view").options
    at.segmented_control(key="exk_view").set_value("Style mixing").run()
    _ok(at)
    first = at.image[0].value[0]
    at.slider(key="exk_cross").set_value(1).run()
    _ok(at)
    assert at.image[0].value[0] != first
    at.text_input(key="exk_mix_rows").set_value("").run()
    assert any("give 1 to 8 seeds" in e.value for e in at.error)

    at = _open_run(_page(), "20260101-000003-cccccc")  # conditional DCGAN: a class selector
    assert "Style mixing" not in at.segmented_control(key="exk_view").options
    before = _grid_url(at)
    at.sidebar.selectbox(key="exk_class").set_value(3).run()
    _ok(at)
    assert _grid_url(at) != before


def test_bad_uploads_are_refused_and_the_page_keeps_working(runs):
    at = _page()
    at.sidebar.radio(key="exk_source").set_value("Upload").run()
    _ok(at)
    sidecar = runs["dcgan"].with_suffix(".json").read_bytes()
    style_sidecar = runs["style"].with_suffix(".json").read_bytes()
    weights = runs["dcgan"].read_bytes()

    # a pickle renamed .safetensors
    at.sidebar.file_uploader(key="ex_up_weights").upload("evil.safetensors", pickle.dumps({"x": 1}))
    at.sidebar.file_uploader(key="ex_up_card").upload("last.json", sidecar, "application/json")
    at.run()
    assert not at.exception
    assert any("Upload refused" in e.value and "pickle" in e.value for e in at.error), [e.value for e in at.error]
    assert len(at.image) == 0

    # weights of one model with the config of another
    at.sidebar.file_uploader(key="ex_up_weights").upload("last.safetensors", weights)
    at.sidebar.file_uploader(key="ex_up_card").upload("last.json", style_sidecar, "application/json")
    at.run()
    assert not at.exception
    # (checkpoints carry their own config: the JSON's is compared with it; older ones: the weights with the JSON's)
    assert any("Upload refused" in e.value and ("do not match" in e.value or "the card says arch='stylegan-lite' but "
                                                "the config has 'dcgan'" in e.value)
               for e in at.error), [e.value for e in at.error]

    # not JSON at all
    at.sidebar.file_uploader(key="ex_up_card").upload("last.json", b"\x00\x01 not json", "application/json")
    at.run()
    assert any("Upload refused" in e.value and "JSON" in e.value for e in at.error), [e.value for e in at.error]

    # the matching pair is accepted and explored
    at.sidebar.file_uploader(key="ex_up_card").upload("last.json", sidecar, "application/json")
    at.run()
    _ok(at)
    assert len(at.image) == 2

    # and the other sources still work
    _open_run(at, "20260101-000002-bbbbbb")
    assert len(at.image) == 2


def test_renders_each_pretrained_model():
    cards = list_pretrained()
    if not cards:
        pytest.skip("no pretrained models in pretrained/ yet")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        at = _page()
        at.sidebar.radio(key="exk_source").set_value("Pretrained").run()
        for card in cards:
            at.sidebar.selectbox(key="exk_pretrained").set_value(card.name).run()
            _ok(at)
            assert at.image, card.name
            assert any(card.title in c.value for c in at.sidebar.caption)
            before = _grid_url(at)
            at.slider(key="exk_amt_pc0").set_value(2.0).run()
            _ok(at)
            assert _grid_url(at) != before, card.name
            at.slider(key="exk_amt_pc0").set_value(0.0).run()
    finally:
        torch.set_num_threads(threads)



# ------------------------------------------------------------------ first impression (issue 15, finding 7)
def test_opens_on_the_best_looking_shipped_model_with_readable_scores(runs):
    """Not the 8x8 digits (noise on a projector) that alphabetical order put first: images before
    points, larger before smaller, then the lowest Fréchet distance of the card's scores."""
    from ui.explore_source import showcase_order

    cards = list_pretrained()
    if not any(c.name == "fmnist-cdcgan" for c in cards):
        pytest.skip("the shipped Fashion-MNIST models are not in pretrained/")
    order = [c.name for c in showcase_order(cards)]
    assert order[0] == "fmnist-cdcgan" and order.index("digits-dcgan") > order.index("fmnist-dcgan")
    assert order.index("ring8-mlp-pacgan") < order.index("ring8-mlp")  # 8 of 8 modes before 7 of 8
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/explore.py").run()
    _ok(at)
    assert at.sidebar.selectbox(key="exk_pretrained").value == "fmnist-cdcgan"
    scores = next(c.value for c in at.sidebar.caption if c.value.startswith("Scores:"))
    assert "Fréchet distance 2.25" in scores and "Classes covered 10" in scores
    for raw in ("fd_clf", "kid_clf_std", "n_fake", "5e+03", "classes_covered"):
        assert raw not in scores, raw


def test_run_checkpoints_are_listed_by_name(runs, tmp_path):
    status = runs["dcgan"].parent.parent / "status.json"
    doc = json.loads(status.read_text())
    status.write_text(json.dumps({**doc, "name": "digits dcgan · lr 1"}))
    at = _page()
    at.sidebar.radio(key="exk_source").set_value("Run checkpoint").run()
    box = at.sidebar.selectbox(key="exk_run")
    assert any(o.startswith("digits dcgan · lr 1 · dcgan on digits") for o in box.options), box.options
    assert any(o.startswith("20260101-000002-bbbbbb · stylegan-lite") for o in box.options)  # no name: the id
