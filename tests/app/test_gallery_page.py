"""AppTest of the Gallery page: chosen shipped models and runs side by side, and the HTML export
holding every chosen item (its name, id and picture inlined); an empty selection and a run without
grids answered in words."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from gan_core import gallery
from gan_core.config import TrainConfig
from gan_core.store import append_jsonl, atomic_write_json

APP = str(Path(__file__).resolve().parents[2] / "app.py")
RUNS = {"20261202-000003-aaaa": "Alice's ring", "20261202-000002-bbbb": "Bob <b>grid</b>",
        "20261202-000001-cccc": "Carol's old run"}
NO_GRID = "20261202-000004-none"


def _run(root: Path, run_id: str, name: str, grids: bool = True) -> None:
    d = root / run_id
    (d / "samples").mkdir(parents=True)
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=200).to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "name": name, "state": "finished", "step": 200,
                                          "steps": 200, "dataset": "ring8", "arch": "mlp", "loss": "ns"})
    append_jsonl(d / "scores.jsonl", [{"step": 200, "modes_covered": 7, "hq_pct": 91.5, "kl": 0.2}])
    if grids:
        for s in (100, 200):
            Image.new("RGB", (32, 32), (s, 10, 10)).save(d / "samples" / f"step_{s:07d}.png")


@pytest.fixture
def runs(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(root))
    for rid, name in RUNS.items():
        _run(root, rid, name)
    _run(root, NO_GRID, "nothing saved yet", grids=False)
    made: list[str] = []
    real = gallery.gallery_html

    def spy(*a, **k):  # the page's export: what its download button carries
        made.append(real(*a, **k))
        return made[-1]

    monkeypatch.setattr(gallery, "gallery_html", spy)
    return made


def _page(models: list[str] | None = None, runs: list[str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if models is not None:
        at.session_state["gal_models"] = models
    if runs is not None:
        at.session_state["gal_runs"] = runs
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    return at


def _md(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_models_and_runs_side_by_side_and_the_html_holds_each(runs):
    at = _page(models=["ring8-mlp"], runs=list(RUNS)[:2])
    text = _md(at)
    assert "Alice's ring" in text and "Bob <b>grid</b>" in text and "Ring of 8 Gaussians" in text
    assert "Carol" not in text  # not chosen
    assert "Modes covered: **7**" in text  # scores in words, not keys
    assert len(at.image) == 3
    button = at.get("download_button")[0].proto
    assert button.label.startswith("Download as HTML (3 items")
    page = runs[-1]
    for rid in list(RUNS)[:2]:
        assert rid in page
    assert "Alice&#x27;s ring" in page and "Bob &lt;b&gt;grid&lt;/b&gt;" in page  # escaped, never raw HTML
    assert "Carol" not in page and "ring8-mlp" in page
    pngs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(pngs) == 3 and all(base64.b64decode(p).startswith(b"\x89PNG") for p in pngs)
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")  # nothing to fetch


def test_by_default_the_newest_runs_with_grids_are_chosen(runs):
    at = _page(models=[])
    assert at.multiselect(key="gal_runs").value == list(RUNS)  # newest first; the run without grids absent
    assert NO_GRID not in at.multiselect(key="gal_runs").options


def test_empty_selection_says_what_to_do(runs):
    at = _page(models=[], runs=[])
    assert any("Nothing chosen" in i.value for i in at.info)
    assert not at.get("download_button")


def test_a_run_that_lost_its_grids_is_left_out_with_the_reason(runs, tmp_path):
    at = _page(models=[], runs=[list(RUNS)[0]])
    for p in (tmp_path / "runs" / list(RUNS)[0] / "samples").iterdir():
        p.unlink()  # deleted while the page was open
    at.run()
    assert not at.exception, at.exception
    assert any(f"run {list(RUNS)[0]} has saved no sample grid any more" in e.value for e in at.error)
    assert any("Nothing chosen" in i.value for i in at.info)
