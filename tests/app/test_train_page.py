"""AppTest of the Train page: start a short run, see the chart and the samples, stop it."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "app.py")
TRAIN = "app_pages/train.py"  # not the default page: Lessons is


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()  # a fresh process-wide manager rooted in tmp_path
    yield AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
    get_manager().stop_all()
    get_manager.clear()


def _progress_text(at) -> str:
    bars = at.get("progress")
    return bars[0].proto.text if bars else ""


def _wait(at, pred, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        at.run()
        if pred(at):
            return True
        time.sleep(0.5)
    return False


def test_start_shows_chart_and_samples_then_stop(app, tmp_path):
    at = app.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="cfg_dataset").value == "ring8"
    at.sidebar.number_input(key="cfg_steps").set_value(5000).run()
    at.button[0].click().run()
    run_id = at.query_params["run"]
    assert run_id
    assert _wait(at, lambda a: "steps/s" in _progress_text(a) and len(a.get("plotly_chart")) >= 2), _progress_text(at)
    # charts: metrics and the 2-D scatter of real and generated points (the LR preview of a constant
    # LR is made only when its expander is opened)
    assert any("Real points" in c.value for c in at.caption)
    stop = next(b for b in at.button if b.label == "Stop")
    stop.click().run()
    assert any("Stopped at step" in i.value for i in at.info)
    assert (tmp_path / "runs" / run_id / "checkpoints" / "last.safetensors").is_file()
    assert next(b for b in at.button if b.label == "Stop").proto.disabled  # nothing left to stop


def test_images_show_a_sample_grid_and_finish(app):
    at = app.run()
    at.sidebar.selectbox(key="preset").set_value("digits-dcgan").run()
    assert at.sidebar.selectbox(key="cfg_arch").value == "dcgan"
    at.sidebar.number_input(key="cfg_steps").set_value(40).run()
    at.button[0].click().run()
    assert _wait(at, lambda a: any("Finished" in s.value for s in a.success), timeout=60)
    assert len(at.get("image")) >= 1  # the fixed-noise grid
    assert not at.exception


def test_bad_config_blocks_start_with_message(app):
    at = app.run()
    at.sidebar.selectbox(key="cfg_dataset").set_value("digits").run()
    at.sidebar.number_input(key="cfg_batch_size").set_value(4000).run()  # digits has 1,797 images
    assert any("batch_size" in e.value for e in at.error)
    assert at.button[0].proto.disabled


# ---------------------------------------------------------------------------- issue 15 (class-proof)
LONG = 1_000_000  # far more steps than a test lets run


def _start_digits(at, steps: int = LONG, **numbers):
    at.sidebar.selectbox(key="preset").set_value("digits-dcgan").run()
    for key, value in {"cfg_steps": steps, **numbers}.items():
        at.sidebar.number_input(key=key).set_value(value).run()
    next(b for b in at.main.button if b.label == "Start training").click().run()
    run_id = at.query_params["run"]
    return run_id[0] if isinstance(run_id, list) else run_id


def _button(at, label):
    return next(b for b in at.main.button if b.label == label)


def _another_page():
    """What every page of the app runs first (app.py calls keep_runs_alive before the page), on a
    page that knows nothing of runs. (AppTest runs a multipage app's router only on its first
    run, so the router's part is tested here through the function it calls, and in the browser by
    tests/e2e/test_class_rehearsal.py.)"""
    import streamlit as st

    from ui.session import keep_runs_alive

    keep_runs_alive()
    st.write("another page")


def _slow_page():
    """A page whose draw takes longer than the orphan timeout (4 s in the test below), run as the
    router runs a page (app.py)."""
    import time

    import streamlit as st

    from ui.session import heartbeat_while_drawing, keep_runs_alive

    keep_runs_alive()
    with heartbeat_while_drawing():
        time.sleep(9.0)
    st.write("a slow page")


def test_the_router_keeps_the_runs_alive_on_every_page():
    import ast

    tree = ast.parse((Path(APP)).read_text())
    # what a visitor's script run executes: the module body, and the `else` of its
    # `if __name__ != "__main__":` (which only declares the server's st.App)
    body = list(tree.body) + [n for i in tree.body if isinstance(i, ast.If) for n in i.orelse]
    calls = [n.value.func for n in body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    names = [getattr(f, "id", None) or getattr(f, "attr", None) for f in calls]
    assert "keep_runs_alive" in names, names
    # the page runs inside heartbeat_while_drawing, after keep_runs_alive
    (block,) = [n for n in body if isinstance(n, ast.With) and "heartbeat_while_drawing" in ast.unparse(n.items[0])]
    assert block.items[0].context_expr.func.id == "heartbeat_while_drawing"
    assert ast.unparse(block.body[0]) == "page.run()"
    keep = next(i for i, n in enumerate(body) if isinstance(n, ast.Expr) and "keep_runs_alive" in ast.unparse(n))
    assert body.index(block) > keep


def test_a_page_that_draws_longer_than_the_timeout_keeps_the_runs_alive(app, monkeypatch):
    """The first Explore visit after a server start draws for seconds (a model and its PCA): the
    heartbeat fragment cannot run meanwhile, and with a short timeout the run was stopped while
    that page was open (tests/e2e/test_class_rehearsal.py, 2 of 4 tries)."""
    monkeypatch.setenv("GAN_ORPHAN_TIMEOUT_S", "4")
    from ui.session import get_manager

    get_manager.clear()
    at = app.run()
    run_id = _start_digits(at)
    run = get_manager().get(run_id)
    slow = AppTest.from_function(_slow_page, default_timeout=60)
    slow.query_params["session"] = at.session_state["owner"]  # the same browser session, another page
    slow.run()  # 9 s of drawing: more than twice the timeout
    assert not slow.exception
    assert run.active, f"the run was stopped while a page was drawing: {run.error}"
    get_manager().stop(run_id)


def test_every_page_keeps_the_sessions_runs_alive(app, monkeypatch):
    """Finding 1: only the Train page sent the heartbeat, so a run was stopped while the teacher
    showed another page for longer than the orphan timeout."""
    monkeypatch.setenv("GAN_ORPHAN_TIMEOUT_S", "4")
    from ui.session import get_manager

    get_manager.clear()
    at = app.run()
    run_id = _start_digits(at)
    run = get_manager().get(run_id)
    assert get_manager().orphan_timeout_s == 4
    other = AppTest.from_function(_another_page, default_timeout=60)
    other.query_params["session"] = at.session_state["owner"]  # the same browser session, another page
    deadline = time.monotonic() + 10.0  # two and a half timeouts without the Train page
    while time.monotonic() < deadline:
        other.run()
        assert not other.exception
        time.sleep(0.5)
    assert run.active, f"the run was stopped while another page was open: {run.error}"
    time.sleep(7.0)  # no page at all (AppTest runs no timers): the reaper (every timeout / 4) stops it
    assert not run.active and "no page showed it" in run.error


def test_a_run_nearly_reaped_is_named_in_a_warning_on_any_page(app, monkeypatch):
    monkeypatch.setenv("GAN_ORPHAN_TIMEOUT_S", "60")
    from ui.session import get_manager

    get_manager.clear()
    at = app.run()
    run_id = _start_digits(at)
    mgr = get_manager()
    owner = at.session_state["owner"]
    other = AppTest.from_function(_another_page, default_timeout=60)
    other.query_params["session"] = owner
    other.run()
    assert not any("shown by no page" in w.value for w in other.warning)
    with mgr._lock:  # as if the laptop had slept for 45 s (3/4 of the timeout)
        mgr._seen[owner] -= 45
        mgr._watched[run_id] = mgr._seen[owner]
    other.run()
    warnings = [w.value for w in other.warning if "shown by no page" in w.value]
    assert warnings and mgr.get(run_id).name in warnings[0] and "60 s" in warnings[0], other.warning
    assert mgr.unwatched_s(owner)[run_id] < 5  # this page's heartbeat keeps it now


def test_step_leaves_the_run_paused_with_no_rate_shown(app):
    """Finding 3 (the status part; the buttons after a fragment poll are checked in the browser,
    tests/e2e/test_class_rehearsal.py): while paused the page shows no steps/s and no time left."""
    from ui.session import get_manager

    at = app.run()
    run_id = _start_digits(at)
    run = get_manager().get(run_id)
    assert _wait(at, lambda a: "steps/s" in _progress_text(a) and run.step > 0), _progress_text(at)
    _button(at, "Pause").click().run()
    assert _wait(at, lambda a: run.state == "paused" and _progress_text(a).startswith("paused")), _progress_text(at)
    assert "steps/s" not in _progress_text(at) and "left" not in _progress_text(at), _progress_text(at)
    s0 = run.step
    _button(at, "Step").click().run()
    assert _wait(at, lambda a: run.step == s0 + 1 and run.state == "paused" and _progress_text(a).startswith("paused"))
    assert "steps/s" not in _progress_text(at) and "left" not in _progress_text(at), _progress_text(at)
    assert not _button(at, "Step").proto.disabled and not _button(at, "Resume").proto.disabled
    assert _button(at, "Pause").proto.disabled
    _button(at, "Resume").click().run()
    assert _wait(at, lambda a: "steps/s" in _progress_text(a)), _progress_text(at)


def test_reload_keeps_the_sessions_runs_and_the_sidebar_shows_the_watched_runs_config(app):
    """Finding 5: after a reload the form reset to the default preset while the page showed a
    Fashion-MNIST run, and "Your runs" forgot the session's earlier runs."""
    at = app.run()
    first = _start_digits(at, steps=20, cfg_batch_size=32)
    at.sidebar.selectbox(key="preset").set_value("ring8-mlp").run()
    second = _start_digits(at, steps=30, cfg_lr_g=0.0005)
    owner = at.query_params["session"]
    owner = owner[0] if isinstance(owner, list) else owner
    assert owner == at.session_state["owner"]

    # a reload: a new session with the URL of the old one
    again = AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
    again.query_params["session"] = owner
    again.query_params["run"] = second
    again.run()
    assert not again.exception
    assert again.main.selectbox(key="your_runs").options and len(again.main.selectbox(key="your_runs").options) == 2
    assert again.main.selectbox(key="your_runs").value == second
    assert again.sidebar.selectbox(key="preset").value == "digits-dcgan"
    assert again.sidebar.selectbox(key="cfg_dataset").value == "digits"
    assert again.sidebar.number_input(key="cfg_steps").value == 30
    assert again.sidebar.number_input(key="cfg_lr_g").value == 0.0005
    assert any("Settings of run" in i.value for i in again.sidebar.info)
    # choosing the other run puts its config in the form
    again.main.selectbox(key="your_runs").set_value(first).run()
    assert again.query_params["run"] in (first, [first])
    assert again.sidebar.number_input(key="cfg_steps").value == 20
    assert again.sidebar.number_input(key="cfg_batch_size").value == 32
    # ... and "New run from this config" starts a third run with it
    next(b for b in again.sidebar.button if b.label == "New run from this config").click().run()
    third = again.query_params["run"]
    third = third[0] if isinstance(third, list) else third
    assert third not in (first, second)
    from ui.session import get_manager

    assert get_manager().get(third).cfg == get_manager().get(first).cfg
    assert len(again.main.selectbox(key="your_runs").options) == 3


def test_a_session_id_from_the_url_is_checked(app):
    at = AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
    at.query_params["session"] = "../../etc"
    at.run()
    assert not at.exception
    assert at.session_state["owner"] != "../../etc" and len(at.session_state["owner"]) == 32


def test_runs_get_readable_names_that_can_be_edited_and_renamed(app):
    from gan_core.run_names import read_name
    from ui.session import get_manager

    at = app.run()
    at.sidebar.selectbox(key="preset").set_value("digits-dcgan").run()
    assert at.main.text_input(key="run_name").value == "digits-dcgan"
    at.sidebar.number_input(key="cfg_lr_g").set_value(0.001).run()
    at.sidebar.number_input(key="cfg_lr_d").set_value(0.001).run()
    assert at.main.text_input(key="run_name").value == "digits-dcgan · lr 1e-3"  # follows the form
    at.main.text_input(key="run_name").set_value("x" * 61).run()
    assert _button(at, "Start training").proto.disabled
    assert any("60" in e.value for e in at.main.error), [e.value for e in at.main.error]
    at.main.text_input(key="run_name").set_value("  fast D and G ").run()
    at.sidebar.number_input(key="cfg_steps").set_value(10).run()
    assert at.main.text_input(key="run_name").value == "  fast D and G "  # typed names are kept
    _button(at, "Start training").click().run()
    run_id = at.query_params["run"]
    run_id = run_id[0] if isinstance(run_id, list) else run_id
    run = get_manager().get(run_id)
    assert run.name == "fast D and G" and read_name(run.dir) == "fast D and G"
    assert at.main.selectbox(key="your_runs").format_func(run_id).startswith("fast D and G")
    at.main.text_input(key=f"rename_{run_id}").set_value("digits, lr 1e-3").run()
    assert read_name(run.dir) == "digits, lr 1e-3"
    assert at.main.selectbox(key="your_runs").format_func(run_id).startswith("digits, lr 1e-3")
    at.main.text_input(key=f"rename_{run_id}").set_value("bad\tname").run()
    assert any("Not renamed" in e.value for e in at.main.error) and read_name(run.dir) == "digits, lr 1e-3"


def test_the_server_does_not_watch_the_runs_it_writes():
    """Training writes into runs/ (inside the app folder by default) all the time; Streamlit's file
    watcher logged warnings and spent CPU on it. A class server needs no reload-on-save."""
    import tomllib

    server = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())["server"]
    assert server["fileWatcherType"] == "none"
    assert {"runs", "data"} <= set(server["folderWatchBlacklist"])  # also when a developer turns it on
