"""Every input field and upload kind of every page, tried with bad values (AppTest).

None may crash a page (no st.exception, no traceback); each must show what is allowed, and a
bad value must never reach a run: Start stays disabled, the form keeps its last good values, and
nothing is written outside the data root. The README's "Bad input" table lists what the user sees.

Pages: Train (number boxes, Data directory, dataset paths, CSV/zip uploads, config JSON import,
the ?run= URL parameter, "Train until step"), Data (paths and uploads), Compare (run zip import),
Explore (safetensors + JSON upload). The 2-D lab draws the same form code as Train.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
TRAIN = "app_pages/train.py"  # not the default page: Lessons is
TIMEOUT = 60


@pytest.fixture
def env(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("GAN_DATA_ROOT", str(data))
    monkeypatch.delenv("GAN_DATA_DIR", raising=False)
    monkeypatch.setenv("GAN_DATA_DOWNLOAD", "0")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outside.csv").write_text("x,y\n0,0\n1,1\n")  # a real file outside the data root
    from ui.session import get_manager

    get_manager.clear()
    yield tmp_path
    get_manager().stop_all()
    get_manager.clear()


def _messages(at) -> list[str]:
    return [e.value for e in (*at.error, *at.warning)]


def _ok(at, what: str) -> None:
    assert not at.exception, f"{what}: the page raised {[e.value for e in at.exception]}"


def _start_disabled(at) -> bool:
    return next(b for b in at.main.button if b.label == "Start training").proto.disabled


# ---------------------------------------------------------------------------- Train: number boxes
def _number_ranges() -> dict[str, tuple[str, float, float]]:
    """key -> (label, lo, hi) of every number box of the Train form (each option's one declaration)."""
    from gan_core.options import all_options

    opts = all_options()
    return {f"cfg_{f}": (opts.label(f), opts.get(f).lo, opts.get(f).hi) for f in opts.names()
            if opts.get(f).lo is not None and opts.get(f).choices is None}


def test_train_numbers_out_of_range_block_start_and_are_never_replaced(env):
    """Every number box of the form, given a value outside its range: the box keeps what was typed
    (no silent substitution), a message under it names the box and the allowed range, and Start is
    disabled with the reason. (Issue 15: with min/max on the boxes, LR 1000 turned red and the run
    trained with the previous value.) NaN and inf cannot be typed in a browser; from a hand-made
    websocket message Streamlit itself resets them to the box's default: the page must still draw."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).switch_page(TRAIN).run()
    _ok(at, "first run")
    ranges = _number_ranges()
    shown = {b.key for b in at.sidebar.number_input}
    assert {"cfg_batch_size", "cfg_steps", "cfg_width", "cfg_lr_g", "cfg_seed", "cfg_log_every"} <= shown
    floats = {b.key for b in at.sidebar.number_input if b.proto.data_type == b.proto.FLOAT}
    assert {"cfg_lr_g", "cfg_beta1", "cfg_checkpoint_every_s"} <= floats
    for key in sorted(shown & set(ranges)):
        label, lo, hi = ranges[key]
        bad_values = [lo - 1, hi + 1] + ([1e300] if key in floats else [])
        for bad in bad_values:
            good = at.sidebar.number_input(key=key).value
            at.sidebar.number_input(key=key).set_value(bad).run()
            _ok(at, f"{key} = {bad}")
            v = at.sidebar.number_input(key=key).value
            assert v == bad or (math.isnan(bad) and math.isnan(v)), f"{key}: typed {bad}, the box holds {v}"
            near_box = [e.value for e in at.sidebar.error if e.value.startswith(label + ":")]
            assert near_box and "allowed" in near_box[0], f"{key} = {bad}: no message under the box: {_messages(at)}"
            assert _start_disabled(at), f"{key} = {bad}: Start stays enabled"
            assert any(m.startswith("Cannot start: " + label) for m in (e.value for e in at.main.error)), \
                f"{key} = {bad}: no reason at the Start button: {[e.value for e in at.main.error]}"
            at.sidebar.number_input(key=key).set_value(good).run()
            assert not _start_disabled(at), f"{key}: back to {good}, Start still disabled: {_messages(at)}"
    for key in sorted(floats):
        for bad in (math.nan, -math.inf):
            at.sidebar.number_input(key=key).set_value(bad).run()
            _ok(at, f"{key} = {bad}")
            assert math.isfinite(at.sidebar.number_input(key=key).value)


@pytest.mark.parametrize("key, bad, words", [
    ("cfg_lr_g", 1000.0, ["LR of G", "1000", "above 0 and at most 1"]),
    ("cfg_lr_d", -0.001, ["LR of D", "-0.001"]),
    ("cfg_batch_size", 0, ["Batch size", "0", "1 to 4,096"]),
    ("cfg_batch_size", -64, ["Batch size", "-64"]),
    ("cfg_steps", 0, ["Steps", "1 to 10,000,000"]),
    ("cfg_seed", -1, ["Seed", "0 to 2,147,483,647"]),
    ("cfg_score_every", -50, ["Score every N steps", "0 to 10,000,000"]),
])
def test_a_bad_number_is_refused_where_it_was_typed_and_never_trained(env, key, bad, words):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).switch_page(TRAIN).run()
    at.sidebar.number_input(key=key).set_value(bad).run()
    _ok(at, f"{key} = {bad}")
    near_box = " ".join(e.value for e in at.sidebar.error)
    assert all(w in near_box for w in words), near_box
    assert _start_disabled(at)
    # the user corrects the box: the run trains with exactly the corrected value
    fixed = 0.0005 if "lr" in key else 7 if key == "cfg_seed" else 32 if key == "cfg_batch_size" else 300
    fixed = 0 if key == "cfg_score_every" else fixed
    at.sidebar.number_input(key=key).set_value(fixed).run()
    assert not _start_disabled(at), _messages(at)
    next(b for b in at.main.button if b.label == "Start training").click().run()
    run_id = at.query_params["run"]
    run_id = run_id[0] if isinstance(run_id, list) else run_id
    cfg = json.loads((env / "runs" / run_id / "config.json").read_text())
    assert cfg[key.removeprefix("cfg_")] == fixed, cfg


def test_train_number_combinations_block_start_with_the_reason(env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).switch_page(TRAIN).run()
    at.sidebar.selectbox(key="cfg_dataset").set_value("digits").run()
    at.sidebar.number_input(key="cfg_batch_size").set_value(4000).run()  # digits has 1,797 images
    _ok(at, "batch larger than the dataset")
    assert any("batch_size" in m for m in _messages(at)) and _start_disabled(at)


# ---------------------------------------------------------------------------- Train: text and paths
DATA_DIRS = [
    ("/etc", "outside the data root"),
    ("../..", "outside the data root"),
    ("a\x00b", "not a usable path"),
    ("x" * 5000, "data_dir"),
    ("", "data_dir"),
]
DATASET_PATHS = [
    ("folder", "../../etc", "outside the data root"),
    ("folder", "/etc", "outside the data root"),
    ("folder", "no-such-folder", "not found"),
    ("folder", "a\x00b", "dataset"),
    ("csv", "/etc/passwd", "outside the data root"),
    ("csv", "../outside.csv", "outside the data root"),
    ("csv", "missing.csv", "not found"),
    ("zip", "../../../../etc/hostname", "outside the data root"),
    ("zip", ".", "directory"),
]


def test_train_data_directory_and_dataset_paths(env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).switch_page(TRAIN).run()
    for value, expect in DATA_DIRS:
        at.sidebar.text_input(key="cfg_data_dir").set_value(value).run()
        _ok(at, f"data_dir {value[:20]!r}")
        assert any(expect in m for m in _messages(at)), (value[:20], _messages(at))
        assert _start_disabled(at)
    at.sidebar.text_input(key="cfg_data_dir").set_value("data").run()
    assert not _start_disabled(at), _messages(at)  # the default is fine again
    for source, value, expect in DATASET_PATHS:
        at.sidebar.selectbox(key="cfg_dataset").set_value(source).run()
        at.sidebar.text_input(key=f"cfg_path_{source}").set_value(value).run()
        _ok(at, f"{source} path {value!r}")
        assert any(expect in m for m in _messages(at)), (source, value, _messages(at))
        assert _start_disabled(at)


# ---------------------------------------------------------------------------- Train: config import
def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


BAD_CONFIGS = [
    ("not JSON", b"steps: 10", "not valid JSON"),
    ("binary", bytes(range(256)) * 4, "not valid JSON"),
    ("a list", b"[1, 2, 3]", "expected a JSON object"),
    ("unknown field", json.dumps({"steps": 10, "rm_rf": True}).encode(), "unknown field"),
    ("wrong type", json.dumps({"steps": "many"}).encode(), "steps"),
    ("negative", json.dumps({"batch_size": -1}).encode(), "batch_size"),
    ("NaN", b'{"lr_g": NaN}', "lr_g"),
    ("unknown loss", json.dumps({"loss": "pickle"}).encode(), "loss"),
    ("too big", b'{"seed": 1' + b" " * 200_000 + b"}", "at most"),
]


def test_train_config_import_bad_files(env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).switch_page(TRAIN).run()
    at.sidebar.number_input(key="cfg_steps").set_value(777).run()
    for label, data, expect in BAD_CONFIGS:
        at.sidebar.file_uploader(key="config_upload").set_value(("c.json", data, "application/json")).run()
        _ok(at, f"config import: {label}")
        shown = _messages(at)
        assert any(expect in m for m in shown), f"{label}: {shown}"
        assert any(m.startswith("Config not imported") for m in shown), f"{label}: {shown}"
        assert at.sidebar.number_input(key="cfg_steps").value == 777, f"{label} changed the form"
    # a dataset path outside the data root passes the config's own checks, fills the form, and the
    # form refuses it (the same check as a typed path)
    outside = json.dumps({"dataset": "folder:../../etc"}).encode()
    at.sidebar.file_uploader(key="config_upload").set_value(("o.json", outside, "application/json")).run()
    _ok(at, "config import: path outside the root")
    assert any("outside the data root" in m for m in _messages(at)) and _start_disabled(at), _messages(at)
    # a good file still imports afterwards (the checks above are not refusing everything)
    good = json.dumps({"steps": 1234, "batch_size": 32}).encode()
    at.sidebar.file_uploader(key="config_upload").set_value(("ok.json", good, "application/json")).run()
    _ok(at, "good config")
    assert at.sidebar.number_input(key="cfg_steps").value == 1234
    assert not any(m.startswith("Config not imported") for m in _messages(at))


# ---------------------------------------------------------------------------- uploads (Train and Data pages)
BAD_CSVS = [
    ("empty", b""),
    ("text", b"hello,world\nfoo,bar\n"),
    ("one column", b"x\n1\n2\n3\n"),
    ("NaN and inf", b"x,y\n0,nan\ninf,1\n"),
    ("binary", bytes(range(256)) * 8),
    ("ragged", b"x,y\n1,2\n3\n4,5,6\n"),
]
BAD_ZIPS = [
    ("not a zip", b"PK\x03\x04 this is not a zip"),
    ("empty zip", _zip({})),
    ("no images", _zip({"readme.txt": b"hello"})),
    ("broken image", _zip({"a.png": b"\x89PNG\r\n\x1a\n broken", "b.jpg": b"\xff\xd8 broken"})),
    ("climbing names", _zip({"../../evil.png": b"x", "/abs.png": b"y"})),
]


@pytest.mark.parametrize("page", ["train", "data"])
def test_bad_uploads_are_reported(env, page):
    """CSV and zip uploads with bad content: the Train page refuses to start (or the run fails
    with the reader's message), the Data page shows the reader's error; nothing is written outside
    the data root's uploads/ folder."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("app_pages/data.py" if page == "data" else TRAIN)
    at.run()
    prefix = "cfg_" if page == "train" else "data_"
    for source, cases in (("csv", BAD_CSVS), ("zip", BAD_ZIPS)):
        at.sidebar.selectbox(key=f"{prefix}dataset").set_value(source).run()
        for label, data in cases:
            at.sidebar.file_uploader(key=f"{prefix}upload_{source}").set_value(
                (f"bad.{source}", data, "application/octet-stream")).run()
            _ok(at, f"{page}: {source} {label}")
            shown = _messages(at)
            if page == "data":
                assert shown, f"{page}: {source} {label}: no message"
            elif not _start_disabled(at):  # the file exists; its content is read when the run starts
                next(b for b in at.main.button if b.label == "Start training").click().run()
                _ok(at, f"train start: {source} {label}")
                run = _wait_ended(at)
                assert run.state == "failed" and run.error, f"{source} {label}: {run.state}"
                at.sidebar.number_input(key="cfg_seed").set_value(len(label)).run()  # (a new run for the next one)
    written = [p for p in env.rglob("*") if p.is_file() and "runs" not in p.parts]
    assert all(p == env / "outside.csv" or p.is_relative_to(env / "data" / "uploads") for p in written), written


def _wait_ended(at, timeout: float = 30.0):
    from ui.session import get_manager

    run_id = at.query_params["run"]
    run = get_manager().get(run_id[0] if isinstance(run_id, list) else run_id)
    run.join(timeout)
    return run


# ---------------------------------------------------------------------------- Compare: run zip import
BAD_RUN_ZIPS = [
    ("not a zip", b"hello", "not a readable zip"),
    ("climbing path", _zip({"../config.json": b"{}"}), "climbing path"),
    ("pickle inside", _zip({"config.json": b"{}", "metrics.jsonl": b"", "model.pt": b"\x80\x04"}), "unexpected file"),
    ("no config", _zip({"metrics.jsonl": b""}), "config.json is missing"),
    ("bad config", _zip({"config.json": b'{"steps": -4}', "metrics.jsonl": b""}), "not a valid training config"),
    ("config not JSON", _zip({"config.json": b"\xff\xfe", "metrics.jsonl": b""}), "not valid JSON"),
]


def test_compare_import_bad_zips(env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("app_pages/compare.py")
    at.run()
    _ok(at, "compare page")
    for label, data, expect in BAD_RUN_ZIPS:
        at.sidebar.file_uploader(key="run_zip").set_value(("run.zip", data, "application/zip")).run()
        _ok(at, f"compare import: {label}")
        shown = _messages(at)
        assert any(m.startswith("Not imported") and expect in m for m in shown), f"{label}: {shown}"
    assert not (env / "runs").exists() or not any((env / "runs").iterdir()), "a refused zip left a run behind"


# ---------------------------------------------------------------------------- Explore: model upload
def test_explore_upload_bad_files(env):
    if not (REPO / "app_pages" / "explore.py").is_file():
        pytest.skip("no Explore page in this checkout")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("app_pages/explore.py")
    at.run()
    _ok(at, "explore page")
    at.sidebar.radio(key="exk_source").set_value("Upload").run()
    cases = [
        ("garbage weights", b"\x00" * 64, b"{}"),
        ("pickle as weights", b"\x80\x04\x95" + b"\x00" * 40, json.dumps({"config": {}}).encode()),
        ("weights ok-ish header, JSON not JSON", b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ", b"not json"),
    ]
    for label, weights, card in cases:
        at.sidebar.file_uploader(key="ex_up_weights").set_value(("w.safetensors", weights, "application/octet-stream"))
        at.sidebar.file_uploader(key="ex_up_card").set_value(("c.json", card, "application/json"))
        at.run()
        _ok(at, f"explore upload: {label}")
        assert any("refused" in m or "Cannot load" in m for m in _messages(at)), f"{label}: {_messages(at)}"


# ---------------------------------------------------------------------------- Explore: number boxes
EXPLORE_BAD_NUMBERS = [  # (view, key, value, the start of the message under the box)
    ("Gallery and sliders", "exk_seed0", -5, "First seed: -5 is out of range"),
    ("Gallery and sliders", "exk_a", 2**31, "Seed A: 2,147,483,648 is out of range"),
    ("Gallery and sliders", "exk_b", -1, "Seed B: -1 is out of range"),
    ("Gallery and sliders", "exk_npca8", 0, "How many principal directions: 0 is out of range"),
    ("Interpolation", "exk_b", 2**40, "Seed B: 1,099,511,627,776 is out of range"),
]


@pytest.mark.parametrize("view,key,value,message", EXPLORE_BAD_NUMBERS)
def test_explore_numbers_out_of_range_are_refused(env, view, key, value, message):
    """Every number box of Explore says what is allowed and draws nothing from a bad number (the
    boxes had min/max: the browser kept the previous value with a red outline only, issue 15)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page("app_pages/explore.py")
    at.run()
    _ok(at, "explore page")
    at.segmented_control(key="exk_view").set_value(view).run()
    images = len(at.image)
    assert images > 0, "the view draws images with good numbers"
    at.number_input(key=key).set_value(value).run()
    _ok(at, f"explore {key}={value}")
    shown = _messages(at)
    assert any(m.startswith(message) and "allowed: a whole number from" in m for m in shown), shown
    assert any(m.startswith("Nothing drawn") for m in shown), shown
    assert len(at.image) == 0, "an image was drawn from a refused number"


# ---------------------------------------------------------------------------- URL parameter
@pytest.mark.parametrize("value", ["../../etc/passwd", "x" * 2000, "<script>", "nonexistent-run"])
def test_run_url_parameter(env, value):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).switch_page(TRAIN)
    at.query_params["run"] = value
    at.run()
    _ok(at, f"?run={value[:20]}")
    if value == "nonexistent-run":  # a well-formed id that is not on this server: said so
        assert any("not on this server" in m for m in _messages(at)), _messages(at)
    assert not any(Path("/etc/passwd").read_text()[:20] in str(m) for m in _messages(at))
