"""gan_core.gallery: items from runs and shipped models, one self-contained HTML page of them, and
the refusals (an empty selection, a run without grids, an unknown model, too many items)."""

from __future__ import annotations

import base64
import re

import pytest
from PIL import Image

from gan_core.cli import main
from gan_core.config import TrainConfig
from gan_core.gallery import MAX_ITEMS, GalleryError, GalleryItem, gallery_html, item_from_pretrained, item_from_run
from gan_core.pretrained import PretrainedError
from gan_core.store import append_jsonl, atomic_write_json


def _run(root, run_id, grids=(100, 200)):
    d = root / run_id
    (d / "samples").mkdir(parents=True)
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=200, loss="wgan-gp").to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "name": f"name of {run_id}", "state": "stopped",
                                          "step": 150, "steps": 200})
    append_jsonl(d / "scores.jsonl", [{"step": 100, "modes_covered": 5, "kl": 0.5, "mode_hist": [1, 2]}])
    for s in grids:
        Image.new("RGB", (8, 8), (s % 255, 0, 0)).save(d / "samples" / f"step_{s:07d}.png")
    return d


def test_run_item_shows_its_newest_grid_settings_and_scores(tmp_path):
    d = _run(tmp_path, "r1")
    it = item_from_run(d)
    assert it.title == "name of r1" and it.ident == "r1" and it.source == "Run"
    assert it.png == (d / "samples" / "step_0000200.png").read_bytes() and "step 200" in it.caption
    settings = dict(it.settings)
    assert settings["Steps"] == "150 of 200 (stopped)" and settings["Loss"] == "wgan-gp"
    assert "gradient penalty 10.0" in settings["Extras"]
    assert dict(it.scores) == {"modes_covered": "5", "kl": "0.5"}  # the raw keys: the page passes its labels


def test_run_without_grids_is_refused_with_the_reason(tmp_path):
    with pytest.raises(GalleryError, match="has saved no sample grid yet"):
        item_from_run(_run(tmp_path, "r2", grids=()))
    with pytest.raises(GalleryError, match="not a run directory"):
        item_from_run(tmp_path / "nothing")


def test_shipped_model_item_draws_the_same_samples_every_time():
    a, b = item_from_pretrained("ring8-mlp"), item_from_pretrained("ring8-mlp")
    assert a.png == b.png and a.png.startswith(b"\x89PNG") and a.source == "Shipped model"
    assert ("Dataset", "ring8") in a.settings and dict(a.scores)["modes_covered"] == "7"
    with pytest.raises(PretrainedError, match="available:"):
        item_from_pretrained("no-such-model")


def test_html_inlines_every_item_and_escapes_text():
    items = [GalleryItem(title=f"<i>{i}</i> & co", source="Run", ident=f"id{i}", png=b"\x89PNG-%d" % i,
                     caption="c", settings=[("Loss", "ns")], scores=[("KL", "0.1")]) for i in range(3)]
    page = gallery_html(items, title="Class <3")
    assert page.startswith("<!DOCTYPE html>") and "<title>Class &lt;3</title>" in page
    assert "<i>" not in page and "&lt;i&gt;0&lt;/i&gt; &amp; co" in page
    imgs = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(x) for x in imgs] == [it.png for it in items]
    assert "<script" not in page and "<link" not in page


def test_empty_or_oversized_selection_is_refused():
    with pytest.raises(GalleryError, match="choose at least one"):
        gallery_html([])
    one = GalleryItem("t", "Run", "i", b"\x89PNG", "c")
    with pytest.raises(GalleryError, match=f"at most {MAX_ITEMS}"):
        gallery_html([one] * (MAX_ITEMS + 1))


def test_cli_writes_the_page_and_refuses_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    _run(tmp_path / "runs", "r3")
    out = tmp_path / "g.html"
    assert main(["gallery", "--run", "r3", "--out", str(out), "--title", "Week 3"]) == 0
    page = out.read_text()
    assert "name of r3" in page and "<h1>Week 3</h1>" in page
    assert main(["gallery", "--out", str(out)]) == 2
    assert "choose at least one" in capsys.readouterr().err
    _run(tmp_path / "runs", "r4", grids=())
    assert main(["gallery", "--run", "r4", "--out", str(out)]) == 2
    assert "has saved no sample grid yet" in capsys.readouterr().err
