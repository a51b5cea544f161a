"""ui.ab_charts.share_y: A's and B's metrics figures get the same y scale in every panel."""

from ui.ab_charts import share_y
from ui.figures import metrics_figure

A = {"step": [0, 10, 20], "d_loss": [1.4, 1.3, 1.2], "g_loss": [0.8, 0.7, 0.9], "d_real": [0.5, 0.55, 0.52],
     "d_fake": [0.5, 0.45, 0.48], "grad_norm_d": [1, 2, 3], "grad_norm_g": [0.5, 1, 2], "lr_g": [1e-3] * 3,
     "lr_d": [1e-3] * 3}
B = {**A, "d_real": [0.40, 0.45, 0.42], "d_fake": [0.40, 0.45, 0.30], "grad_norm_g": [0.5, 1, 20], "lr_g": [2e-3] * 3}


def test_both_runs_share_each_panels_scale():
    a, b = metrics_figure(A), metrics_figure(B)
    share_y([a, b])
    for name in ("yaxis", "yaxis2", "yaxis3", "yaxis4"):
        assert tuple(a.layout[name].range) == tuple(b.layout[name].range), name
    lo, hi = a.layout.yaxis2.range  # D outputs: both runs' values inside, B's 0.30 and A's 0.55 included
    assert lo < 0.30 and hi > 0.55
    lo, hi = a.layout.yaxis3.range  # gradient norms, log10 units: 0.5 to B's 20
    assert 10**lo <= 0.5 and 10**hi >= 20 and a.layout.yaxis3.type == "log"
    assert list(a.layout.yaxis3.tickvals) == list(b.layout.yaxis3.tickvals)
    assert a.layout.yaxis4.range[0] == 0 and a.layout.yaxis4.range[1] >= 2e-3  # learning rates from 0, B's higher


def test_one_figure_is_left_as_it_is():
    a = metrics_figure(A)
    before = a.to_dict()
    share_y([a])
    assert a.to_dict() == before
