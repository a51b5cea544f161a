"""AppTest: a run trained by torchrun beside the app (2 gloo processes writing into the app's runs directory) is
listed on the Runs page, opens on the Train page (which says how many processes trained it), and Explore and
Compare open it like any other run."""


import pytest
from apptest import APP
from forked_group import fork_workers
from streamlit.testing.v1 import AppTest
from test_distributed import TRAIN, _cli_worker


@pytest.fixture
def runs(runs_root):
    return runs_root


def test_a_two_process_run_is_listed_and_opens_on_the_train_page(runs):
    run_id = "20261203-000000-ddp"
    assert fork_workers(_cli_worker, [*TRAIN, "--steps", "10", "--out", str(runs / run_id)]) == [0, 0]
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("app_pages/runs.py")
    at.run()
    assert not at.exception
    assert run_id in " ".join(str(e.value) for e in at.markdown) + " ".join(str(c.value) for c in at.caption)
    at = AppTest.from_file(APP, default_timeout=60).switch_page("app_pages/train.py")
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception
    text = " ".join(str(getattr(e, "value", "")) for e in [*at.markdown, *at.caption, *at.info, *at.success])
    assert "step 10/10" in at.get("progress")[0].proto.text
    assert "on cpu × 2 processes" in text or "on cpu × 2 processes" in at.get("progress")[0].proto.text, text
    at = AppTest.from_file(APP, default_timeout=120)  # Explore: its checkpoint's generator
    at.switch_page("app_pages/explore.py").run()
    at.sidebar.radio(key="exk_source").set_value("Run checkpoint").run()
    at.sidebar.selectbox(key="exk_run").set_value(run_id).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.image) >= 1
    at = AppTest.from_file(APP, default_timeout=60)  # Compare: its metrics beside nothing else
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(o.endswith(run_id) for o in at.multiselect[0].options), at.multiselect[0].options
