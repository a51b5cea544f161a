"""ui/page_runs.py: a polling fragment redraws a page whose last full run was cut short, a few
times in a row at most; an AppTest of the Train page (with a run, so that it polls) reaches the
page's end, so its polls never ask for a redraw of their own."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui import page_runs
from ui.page_runs import MAX_REDRAWS, cut_short, page_finished, page_started, redraw_if_cut_short


class Rerun(Exception):
    pass


@pytest.fixture
def reruns(monkeypatch):
    asked = []

    def rerun():
        asked.append(1)
        raise Rerun  # st.rerun() does not return

    monkeypatch.setattr(page_runs.st, "rerun", rerun)
    return asked


def test_a_finished_page_run_asks_nothing(reruns):
    state = {}
    page_started(state)
    page_finished(state)
    assert not cut_short(state)
    redraw_if_cut_short(state)
    assert reruns == []


def test_a_page_run_cut_short_is_redrawn_a_few_times_in_a_row_at_most(reruns):
    state = {}
    page_started(state)
    page_finished(state)
    for i in range(MAX_REDRAWS):
        page_started(state)  # this run stops before page_finished
        with pytest.raises(Rerun):
            redraw_if_cut_short(state)
        assert len(reruns) == i + 1
    page_started(state)
    redraw_if_cut_short(state)  # the page fails before its end every time: not rerun for ever
    assert len(reruns) == MAX_REDRAWS
    page_finished(state)  # a run that reaches its end counts again from zero
    page_started(state)
    with pytest.raises(Rerun):
        redraw_if_cut_short(state)


def test_the_first_run_of_a_session_is_not_a_cut_short_run():
    assert not cut_short({})


def test_a_train_page_run_with_a_polling_run_reaches_its_end(tmp_path, monkeypatch):
    from ui.session import get_manager

    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    get_manager.clear()
    try:
        at = AppTest.from_file(str(__import__("pathlib").Path(__file__).resolve().parents[1] / "app.py"),
                               default_timeout=60).switch_page("app_pages/train.py")
        at.run()
        at.sidebar.number_input(key="cfg_steps").set_value(1_000_000).run()
        next(b for b in at.button if b.label == "Start training").click().run()
        at.run()
        assert not at.exception
        assert at.session_state["page_runs_started"] >= 1
        assert at.session_state["page_runs_finished"] == at.session_state["page_runs_started"]
        assert any(r.active for r in get_manager().runs())  # the page polls
    finally:
        get_manager().stop_all()
        get_manager.clear()
