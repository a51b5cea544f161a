"""The monitored score: the one number that plateau decay (`--schedule plateau`), early stopping
(`--early-stop N`) and the best checkpoint (`checkpoints/best.safetensors`) watch.

`TrainConfig.monitor` names it (declared in gan_core.config with the direction of each candidate,
`MONITORED`). A score is only in the rows where the run scored (every `score_every` steps, by
gan_core.metrics.monitor), a loss in every logged row (every `log_every` steps); each row that holds
it is one *observation*. Which scores exist depends on the data: images get the classifier-feature
scores (fd_clf, kid_clf, precision, recall), 2-D points the histogram distances (kl, js, fd) and,
for the named toy mixtures whose modes are known, modes_covered and hq_pct. `logged_error` says, before
anything trains, why a config would never log its monitored score; `Watch` keeps its best value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from gan_core.config import MONITORED
from gan_core.messages import Msg

LOSSES = ("d_loss", "g_loss")  # logged in every row
IMAGE_SCORES = ("fd_clf", "kid_clf", "precision", "recall")
POINT_SCORES = ("kl", "js", "fd")
MODE_SCORES = ("modes_covered", "hq_pct")  # 2-D points of a mixture whose modes are known (ring8, grid25, ...)
AUTO = {"image": "fd_clf", "points": "kl"}  # what monitor "auto" watches


def resolve(monitor: str, kind: str) -> str:
    """The metric a config watches: `monitor`, with "auto" resolved for the data `kind` ("image" | "points")."""
    return AUTO.get(kind, "fd_clf") if monitor == "auto" else monitor


def mode(metric: str) -> str:
    """"min" when lower is better (distances, losses), "max" when higher is (precision, modes covered)."""
    return MONITORED[metric]


def logged_metrics(kind: str, *, scoring: bool, modes_known: bool) -> tuple[str, ...]:
    """The monitorable metrics a run logs: the losses always, the scores of its kind of data when scoring is on."""
    if not scoring:
        return LOSSES
    if kind == "points":
        return (*(MODE_SCORES if modes_known else ()), *POINT_SCORES, *LOSSES)
    return (*IMAGE_SCORES, *LOSSES)


def logged_error(monitor: str, kind: str, *, scoring: bool, modes_known: bool, needed_by: str) -> Msg | None:
    """Why `monitor` would never be logged by this config (None: it will be), a Msg the UI translates.
    `needed_by` names what watches it ("schedule 'plateau'", "early_stop 3", a Msg or plain) for the message."""
    metric = resolve(monitor, kind)
    allowed = logged_metrics(kind, scoring=scoring, modes_known=modes_known)
    if metric in allowed:
        return None
    shown = Msg("{metric!r} (what 'auto' watches for this data)", metric=metric) if monitor == "auto" \
        else Msg.literal(repr(metric))
    if not scoring and metric not in LOSSES:
        why = Msg("scores are computed only when score_every > 0, and it is 0")
    elif kind == "points" and metric in MODE_SCORES:
        why = Msg("mode coverage needs a named toy mixture whose modes are known (ring8, grid25, ...)")
    elif metric in POINT_SCORES + MODE_SCORES:
        why = Msg("it is a score of 2-D points")
    else:
        why = Msg("it is a score of images")
    if scoring:
        return Msg("{needed_by} watches {shown}, which this run never logs: {why}. Allowed with these settings: "
                   "{allowed}", needed_by=needed_by, shown=shown, why=why, allowed=", ".join(allowed))
    return Msg("{needed_by} watches {shown}, which this run never logs: {why}. Allowed with these settings: "
               "{allowed} (or turn scoring on with score_every > 0)", needed_by=needed_by, shown=shown, why=why,
               allowed=", ".join(allowed))


@dataclass
class Watch:
    """The best value of the monitored metric so far and how many observations have passed without
    beating it (strictly: early stopping and the best checkpoint follow the best model, not noise
    thresholds; plateau decay has its own threshold, inside torch's ReduceLROnPlateau)."""

    metric: str
    mode: str  # "min" | "max"
    best: float | None = None
    best_step: int | None = None
    since_best: int = 0  # observations since the best one

    @classmethod
    def of(cls, metric: str) -> Watch:
        return cls(metric, mode(metric))

    def value_in(self, row: dict[str, Any]) -> float | None:
        """The metric's value in a logged row, or None when the row does not hold it (or holds NaN)."""
        v = row.get(self.metric)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return None
        return float(v)

    def better(self, value: float) -> bool:
        if self.best is None:
            return True
        return value < self.best if self.mode == "min" else value > self.best

    def observe(self, step: int, value: float) -> bool:
        """Count one observation; True when it is a new best."""
        if self.better(value):
            self.best, self.best_step, self.since_best = value, step, 0
            return True
        self.since_best += 1
        return False

    def state_dict(self) -> dict[str, Any]:
        return asdict(self)

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Restore a saved watch of the same metric (a watch of another metric is ignored)."""
        if d.get("metric") == self.metric and d.get("mode") == self.mode:
            self.best, self.best_step = d.get("best"), d.get("best_step")
            self.since_best = int(d.get("since_best", 0))
