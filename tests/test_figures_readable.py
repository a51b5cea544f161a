"""Charts readable from the back of a classroom (issue 15, finding 6): log axes labelled with
their numbers, each legend with its own chart, whole-number axes for counts, and readable labels
(ui/metric_labels.py) instead of the keys the core writes, for every key it writes."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import torch

from gan_core.engine import METRICS
from gan_core.metrics.monitor import SCORE_KEYS
from ui.figures import axis_name, lr_figure, metrics_figure
from ui.metric_labels import LABELS, format_value, label
from ui.score_figures import SCORE_PANELS, histogram_figure, overlay_figure, score_figure

REPO = Path(__file__).resolve().parents[1]
ROWS = 40


def _cols(keys, n: int = ROWS, scale: dict | None = None) -> dict[str, list]:
    cols: dict[str, list] = {"step": [50 * (i + 1) for i in range(n)], "time": [0.5 * i for i in range(n)]}
    for j, k in enumerate(keys):
        cols[k] = [(scale or {}).get(k, 1.0) * (1.5 + math.sin(i / 3 + j)) for i in range(n)]
    return cols


def _train_cols() -> dict[str, list]:
    cols = _cols(("d_loss", "g_loss", "d_real", "d_fake"))
    cols["grad_norm_d"] = [0.03 * 1.2**i for i in range(ROWS)]  # 0.03 .. 40: three decades
    cols["grad_norm_g"] = [0.5 + 0.01 * i for i in range(ROWS)]
    cols["lr_g"] = cols["lr_d"] = [2e-4] * ROWS
    return cols


def _score_cols() -> dict[str, list]:
    cols = _cols([k for _t, series, _b in SCORE_PANELS for k, _ in series])
    cols["classes_covered"] = [9 if i % 2 else 10 for i in range(ROWS)]
    cols["modes_covered"] = [7, 8] * (ROWS // 2)
    return cols


# ----------------------------------------------------------------------------- the label table
def _core_keys() -> set[str]:
    """Every key the core writes into metrics.jsonl, scores.jsonl or a model card's scores."""
    from gan_core.metrics.scores import image_scores, points_scores

    keys = {"step", "time", "alarm", "lr_g", "lr_d", *METRICS, *SCORE_KEYS}

    class Clf:  # the interface image_scores uses: features and class probabilities
        n_classes = 3

        def features_and_probs(self, x):
            f = x.flatten(1)[:, :4].float()
            return f, torch.softmax(f[:, :3], 1)

    g = torch.Generator().manual_seed(0)
    keys |= set(image_scores(Clf(), torch.randn(64, 1, 4, 4, generator=g), torch.randn(64, 1, 4, 4, generator=g),
                             kid_subsets=2, kid_subset_size=16))
    from gan_core.data.toy2d import MIXTURES

    mix = MIXTURES["ring8"]
    keys |= set(points_scores(torch.randn(256, 2, generator=g), torch.randn(256, 2, generator=g), 1.6, mix))
    keys |= {"inception_fid", "inception_score", "inception_score_std"}  # gan_core.metrics.inception
    for card in (REPO / "pretrained").glob("*.json"):
        keys |= set(json.loads(card.read_text()).get("card", {}).get("scores", {}))
    return keys - {"eval"}  # the evaluation's details (a dict), not a metric


def test_every_key_the_core_writes_has_a_readable_label():
    missing = sorted(k for k in _core_keys() if k not in LABELS)
    assert not missing, f"no readable label for {missing} in ui/metric_labels.py"
    for key, m in LABELS.items():
        assert m.label and m.label != key or key in ("step",), key
        assert "_" not in m.label, f"{key}: label {m.label!r} looks like a key"


def test_values_read_as_numbers_people_use():
    assert format_value("n_fake", 5000) == "5,000"  # not '5e+03'
    assert format_value("classes_covered", 9.0) == "9"
    assert format_value("hq_pct", 97.14) == "97.1 %"
    assert format_value("kid_clf_std", 0.024230072828526714) == "0.0242"


# ----------------------------------------------------------------------------- figures
def _texts(fig) -> list[str]:
    """Everything a person reads on a figure: titles, axis titles, annotations, legends, hovers."""
    lay = fig.layout
    out = [lay.title.text or ""]
    out += [a.text or "" for a in lay.annotations]
    for name in dir(lay):
        if re.fullmatch(r"[xy]axis\d*", name):
            ax = lay[name]
            out.append(ax.title.text or "")
            out += [str(t) for t in (ax.ticktext or ())]
    for tr in fig.data:
        out += [tr.name or "", tr.hovertemplate or ""]
    return out


RAW = sorted(k for k in LABELS if "_" in k or len(k) <= 2)  # keys nobody would write as words


def _raw_in(texts: list[str]) -> list[tuple[str, str]]:
    hits = []
    for t in texts:
        for k in RAW:
            if re.search(rf"(?<![\w(]){re.escape(k)}(?![\w)])", t):
                hits.append((k, t))
    return hits


def _all_figures():
    train, scores = _train_cols(), _score_cols()
    yield "metrics", metrics_figure(train)
    yield "scores", score_figure(scores)
    yield "histogram", histogram_figure([3, 0, 7], ["a", "b", "c"], "Predicted classes")
    yield "lr", lr_figure(train["step"], train["lr_g"], train["lr_d"])
    both = {**train, **scores}
    for key in [k for k in both if k not in ("step", "time")]:
        yield f"overlay {key}", overlay_figure({"run A": (both["step"], both[key]), "run B": (both["step"], both[key])},
                                               key)
        yield f"overlay {key} vs time", overlay_figure({"run A": (both["time"], both[key])}, key, "training time (s)")


def test_no_raw_key_where_people_read():
    bad = {name: hits for name, fig in _all_figures() if (hits := _raw_in(_texts(fig)))}
    assert not bad, f"raw metric keys on charts: {bad}"


def test_overlay_axis_says_what_the_metric_is():
    fig = overlay_figure({"a": ([1, 2], [0.1, 0.2])}, "grad_norm_d")
    assert fig.layout.yaxis.title.text == label("grad_norm_d") == "D gradient norm"


def test_log_axis_ticks_are_labelled_with_their_values():
    fig = metrics_figure(_train_cols())
    ax = fig.layout.yaxis3  # gradient norms, the log panel
    assert ax.type == "log"
    assert ax.tickvals and ax.ticktext, "Plotly's own log ticks read '5, 2, 10, 5, 2'"
    for v, t in zip(ax.tickvals, ax.ticktext):
        assert float(t) == pytest.approx(v), (v, t)  # '0.05' for 0.05, never a bare '5'
    assert min(ax.tickvals) <= 0.03 and max(ax.tickvals) >= 0.03 * 1.2 ** (ROWS - 1)
    assert ax.range[0] == pytest.approx(math.log10(min(ax.tickvals)))


def _legend_placement(fig):
    """{legend id: set of subplot indices whose traces use it}, and the legends' layout."""
    used: dict[str, set[int]] = {}
    for tr in fig.data:
        if tr.showlegend is False:
            continue
        xa = tr.xaxis or "x"
        i = int(xa[1:] or 1) - 1
        used.setdefault(tr.legend or "legend", set()).add(i)
    return used


@pytest.mark.parametrize("which", ["metrics", "scores"])
def test_each_legend_sits_with_its_own_chart(which):
    fig = metrics_figure(_train_cols()) if which == "metrics" else score_figure(_score_cols())
    used = _legend_placement(fig)
    assert len(used) >= 2, "one shared legend for several charts"
    for legend, panels in used.items():
        assert len(panels) == 1, f"{legend} holds the traces of subplots {sorted(panels)}"
        i = panels.pop()
        lg = fig.layout[legend]
        xd, yd = fig.layout[axis_name("xaxis", i)].domain, fig.layout[axis_name("yaxis", i)].domain
        assert xd[0] <= lg.x <= xd[1], f"{legend} is not over its chart's columns"
        assert lg.y == pytest.approx(yd[1]) and lg.yanchor == "bottom", f"{legend} is not just above its chart"


def test_counts_have_whole_number_axes():
    fig = score_figure(_score_cols())
    titles = [a.text for a in fig.layout.annotations]
    for name in ("Classes covered", "Modes covered"):
        i = next(j for j, t in enumerate(titles) if t.startswith(name))
        ax = fig.layout[axis_name("yaxis", i)]
        assert ax.tickformat == ",d" and ax.range[0] == 0, name
        assert ax.dtick is not None and float(ax.dtick) >= 1 and float(ax.dtick).is_integer(), name  # no 9.5
    hist = histogram_figure([1, 3, 2])
    assert hist.layout.yaxis.tickformat == ",d" and hist.layout.yaxis.dtick == 1
    over = overlay_figure({"a": ([1, 2, 3], [9, 10, 9])}, "classes_covered")
    assert over.layout.yaxis.dtick == 2 and over.layout.yaxis.range[0] == 0
