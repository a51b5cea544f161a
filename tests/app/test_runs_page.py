"""AppTest of the Runs page (issue 15, finding 7): one card per run with its name (not only a
timestamp), state, progress, newest sample grid, latest scores in words (no raw keys), the error
in full, Open (watch it on the Train page) and Continue (train on from its checkpoint); long lists
filtered and paged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gan_core.store import atomic_write_bytes, atomic_write_json
from ui.run_cards import last_jsonl_row, page_of

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4e40000000049454e44ae426082")
DONE, FAILED = "20260101-000010-aaaaaa", "20260101-000020-bbbbbb"
LONG_ERROR = ("CUDA out of memory while training step 1,234 (tried to allocate 2.00 GiB). " * 4
              + "Try a smaller batch size; the last checkpoint (step 1,200) is kept. THE END")


def _run(root: Path, run_id: str, *, state="finished", step=200, steps=200, name=None, error=None,
         checkpoint=True, scores=True, dataset="ring8") -> Path:
    d = root / run_id
    status = {"id": run_id, "state": state, "step": step, "steps": steps, "dataset": dataset, "arch": "mlp",
              "loss": "ns", "last_checkpoint_step": step if checkpoint else None}
    if name:
        status["name"] = name
    if error:
        status["error"] = error
    atomic_write_json(d / "status.json", status)
    atomic_write_bytes(d / "samples" / "step_0000100.png", PNG)
    atomic_write_bytes(d / "samples" / f"step_{step:07d}.png", PNG)
    if checkpoint:
        atomic_write_bytes(d / "checkpoints" / "last.safetensors", b"weights")
    if scores:
        rows = [{"step": 100, "modes_covered": 5, "hq_pct": 50.0, "kl": 1.0},
                {"step": step, "modes_covered": 8, "hq_pct": 97.14, "kl": 0.0775, "fd": 0.01, "n_fake": 5000,
                 "mode_hist": [1, 2, 3]}]
        (d / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"step": 3')  # cut short
    return d


@pytest.fixture
def root(tmp_path, monkeypatch):
    from ui.session import get_manager

    root = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(root))
    get_manager.clear()
    _run(root, DONE, name="ring8-mlp · lr 1 · bs 32")
    _run(root, FAILED, state="failed", step=1234, steps=5000, error=LONG_ERROR, scores=False,
         dataset="fashion-mnist")
    yield root
    get_manager.clear()


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/runs.py").run()
    assert not at.exception, at.exception
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_a_card_per_run_with_name_state_scores_and_the_whole_error(root):
    at = _page()
    text = _markdown(at)
    assert "ring8-mlp · lr 1 · bs 32" in text  # the name, not only the timestamp id
    assert f"#### {FAILED}" in text  # a run from before names: its id
    assert "finished" in text and "failed" in text and "1,234" in text and "5,000" in text
    assert "Modes covered: **8**" in text and "High-quality samples: **97.1 %**" in text
    for raw in ("modes_covered", "hq_pct", "kl ", "n_fake", "5e+03", "mode_hist"):
        assert raw not in text, raw
    assert any(e.value == LONG_ERROR for e in at.error), "the error must be shown in full"
    assert len(at.image) == 2  # a thumbnail per run (the newest grid)
    assert any("step 200" in c.value for c in at.caption)
    assert [b.label for b in at.button].count("Open") == 2


def test_open_watches_the_run_on_the_train_page(root):
    at = _page()
    next(b for b in at.button if b.key == f"open_{DONE}").click().run()
    assert not at.exception, at.exception
    assert at.query_params.get("run") in ([DONE], DONE)
    assert any(t.value == "Train a GAN" for t in at.title)


def test_continue_resumes_from_the_checkpoint_and_opens_it(root, monkeypatch):
    from gan_core.manager import RunManager

    calls = []

    class Resumed:
        id = FAILED

    def resume(self, run_id, owner=None, steps=None):
        calls.append((run_id, owner, steps))
        return Resumed()

    monkeypatch.setattr(RunManager, "resume", resume)
    at = _page()
    steps_box = next(n for n in at.number_input if n.key == f"more_{FAILED}")
    assert steps_box.value == 5000  # the run's own target: it failed before reaching it
    steps_box.set_value(6000).run()
    next(b for b in at.button if b.key == f"cont_{FAILED}").click().run()
    assert not at.exception, at.exception
    assert calls and calls[0][0] == FAILED and calls[0][2] == 6000 and calls[0][1]
    assert at.query_params.get("run") in ([FAILED], FAILED)
    # a finished run is offered as many steps again
    at2 = _page()
    assert next(n for n in at2.number_input if n.key == f"more_{DONE}").value == 400


def test_many_runs_are_filtered_and_paged(root):
    for i in range(23):
        _run(root, f"20260102-{i:06d}-cccccc", name=f"sweep-a{i}", scores=False)
    at = _page()
    assert len([b for b in at.button if b.label == "Open"]) == 10
    pager = next(n for n in at.number_input if n.key == "runs_page")
    assert "of 3" in pager.label
    pager.set_value(3).run()
    assert len([b for b in at.button if b.label == "Open"]) == 5
    at.text_input(key="runs_filter").set_value("sweep").run()  # 23 runs: 3 pages, still on the last
    assert not at.exception, at.exception
    at.text_input(key="runs_filter").set_value("sweep-a1").run()  # a1, a10..a19: 2 pages; page 3 is gone
    assert not at.exception, at.exception
    assert "of 2" in next(n for n in at.number_input if n.key == "runs_page").label
    at.text_input(key="runs_filter").set_value("fashion").run()
    assert [b.key for b in at.button if b.label == "Open"] == [f"open_{FAILED}"]


def test_helpers_read_only_what_they_need(tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text('{"step": 1}\n{"step": 2, "fd": 1.5}\n{"step": 3')
    assert last_jsonl_row(p) == {"step": 2, "fd": 1.5}
    assert last_jsonl_row(tmp_path / "missing.jsonl") is None
    assert page_of(list(range(25)), 3, 10) == ([20, 21, 22, 23, 24], 3)
    assert page_of(list(range(25)), 9, 10)[0] == [20, 21, 22, 23, 24]  # past the end: the last page
