"""The Train page in Chinese (issue 19): a finished run with scores, an alarm and an early stop, a run the
server lost (its error stored as a template by gan_core.manager.recover) and a run from before the templates;
no English word in what the page shows (outside tests/i18n_words.py's proper names, ids and paths), the
core's messages (alarm, stop reason, run error) translated with their numbers, the charts' titles,
legends and hovers in Chinese."""

from __future__ import annotations

import json

import pytest
from apptest import APP, TRAIN
from i18n_train_runs import DONE, LOST, OLD, write_runs
from i18n_words import english_words
from streamlit.testing.v1 import AppTest
from test_i18n_pages import _fields


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """Three runs on disk (tests/i18n_train_runs.py), written before the manager starts (it marks the
    'running' one interrupted)."""
    from ui import i18n
    from ui.session import get_manager

    root = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(root))
    # AppTest formats widget values with the page's format functions in the test's own thread, outside the
    # session (where ui.i18n answers English): Chinese in every thread for these tests
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    write_runs(root)
    get_manager.clear()
    yield root
    get_manager().stop_all()
    get_manager.clear()


def _open(run_id: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "zh"
    at.query_params["run"] = run_id
    at.switch_page(TRAIN).run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> list[str]:
    """What the page shows, the sidebar's configuration form of the watched run included, and the charts'
    subplot titles and legend names."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            _fields(proto, out)
            spec = getattr(proto, "spec", None)
            if isinstance(spec, str) and spec:
                fig = json.loads(spec)
                out.extend(a.get("text", "") for a in fig.get("layout", {}).get("annotations", []))
                out.extend(t.get("name", "") for t in fig.get("data", []))
                out.append(str((fig.get("layout", {}).get("title") or {}).get("text", "")))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return [t for t in out if isinstance(t, str) and t]


def _no_english(texts: list[str]) -> None:
    english = {w: t for t in texts for w in english_words(t)}
    assert not english, "English on the Chinese page: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())


def test_a_finished_run_with_scores_and_an_alarm_in_chinese(runs):
    at = _open(DONE)
    assert at.title[0].value == "训练一个 GAN" and at.sidebar.header[0].value == "设置"
    text = _shown(at)
    _no_english(text)
    joined = "\n".join(text)
    # the alarm: title, message with its numbers, explanation, remedies
    assert ("**模式崩溃**（第 250 步）：覆盖的模式数从 8 降到 2；固定噪声批次的多样性降到真实数据的 0.30"
            "（最好时为 1.00）（第 250 步）") in joined, joined
    assert "可以尝试的办法（来自训练教程）" in joined and "使用 WGAN-GP" in joined
    # the stop reason (a Msg with a Msg inside), the best checkpoint's metric by its label
    assert "在第 300 步提前停止：弗雷歇距离（点）已连续 3 次评分没有改善" in joined
    assert "目前最好的弗雷歇距离（点）：0.2，在第 150 步" in joined
    # controls, progress, charts
    assert {"开始训练", "从检查点继续", "修改设置后继续"} <= {b.label for b in at.button}, [b.label for b in at.button]
    assert at.get("progress")[0].proto.text == "已完成 · 第 300/300 步"
    for title in ("损失函数", "判别器输出（均值）", "梯度范数（对数坐标）", "覆盖的模式数（PacGAN）（越高越好）",
                  "每个模式的高质量样本，第 300 步"):
        assert title in text, title
    assert any("判别器损失<br>步数" in t for t in text), text  # a hover: label and x axis in Chinese


def test_a_stored_run_error_is_shown_translated(runs):
    """The run the server lost: gan_core.manager.recover stored its error with the template (error_msg), so the
    page shows it in Chinese; the Runs page too. A run from before the templates shows its English as it is."""
    at = _open(LOST)
    status = json.loads((runs / LOST / "status.json").read_text())  # written by recover() as the manager started
    assert status["state"] == "interrupted" and status["error"].startswith("The server stopped during this run")
    assert status["error_msg"]["template"] == "The server stopped during this run at step {step}. {then}"
    shown = [w.value for w in at.warning]
    assert "服务器在这次训练的第 120 步时停止了。还没有写入检查点，因此无法恢复。" in shown, shown
    _no_english(_shown(at))

    runs_page = AppTest.from_file(APP, default_timeout=120)
    runs_page.query_params["lang"] = "zh"
    runs_page.switch_page("app_pages/runs.py").run()
    assert any("服务器在这次训练的第 120 步时停止了" in w.value for w in runs_page.warning), \
        [w.value for w in runs_page.warning]

    old = _open(OLD)
    assert [e.value for e in old.error] == ["Training diverged: non-finite d_loss at step 80."]



def _progress(at: AppTest) -> str:
    bars = at.get("progress")
    return bars[0].proto.text if bars else ""


def test_a_live_run_its_controls_and_a_queued_run_in_chinese(runs, monkeypatch):
    """A run started on the page in Chinese: the status line while it trains (rate, state), the controls,
    the status after Pause, a second run waiting for the training slot ("Queued (position k)"), and Stop."""
    from apptest import rerun_until

    from ui.session import get_manager

    monkeypatch.setenv("GAN_MAX_RUNS_CPU", "1")  # one training slot: a second run queues
    at = _open(DONE)
    manager = get_manager()
    at.sidebar.number_input(key="cfg_steps").set_value(100_000).run()
    next(b for b in at.button if b.label == "开始训练").click().run()
    first = at.query_params["run"]
    assert rerun_until(at, lambda a: "每秒" in _progress(a) and "训练中 · 第 " in _progress(a)), _progress(at)
    labels = [b.label for b in at.button]
    assert ["暂停", "恢复", "单步", "停止"] == [x for x in labels if x in ("暂停", "恢复", "单步", "停止")], labels
    _no_english(_shown(at))
    next(b for b in at.button if b.label == "暂停").click().run()
    assert rerun_until(at, lambda a: _progress(a).startswith("已暂停 · 第 ")), _progress(at)

    next(b for b in at.button if b.label == "开始训练").click().run()  # the slot is taken: queued
    second = at.query_params["run"]
    assert second != first and manager.get(second).state == "queued"
    assert rerun_until(at, lambda a: _progress(a) == "排队中（第 1 位）：有空闲的训练名额时会自动开始。"), _progress(at)
    _no_english(_shown(at))
    for run_id in (second, first):
        manager.stop(run_id)
        manager.get(run_id).join(10)


def test_a_refused_run_name_is_explained_in_chinese(runs):
    """gan_core.run_names refuses a name with a Msg: the page says why in Chinese, and Start waits."""
    at = _open(DONE)
    at.text_input(key="run_name").input(" ").run()
    errors = [e.value for e in at.error]
    assert "训练名称：不能为空；允许 1 到 60 个可打印字符" in errors, errors
    assert "无法开始：训练名称：不能为空；允许 1 到 60 个可打印字符" in errors, errors
    _no_english(_shown(at))
