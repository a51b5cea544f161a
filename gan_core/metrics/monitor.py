"""What a TrainingRun calls once per logged window: scores every `score_every` steps, alarms,
and (optionally) TensorBoard. Runs in the training thread, between steps, so it never races
the optimiser; the UI only reads what it leaves in the run (`run.alarms`, `run.scores`) and in
the run directory:

    metrics.jsonl   the score columns (fd_clf, kid_clf, precision, recall, classes_covered, class_entropy,
                    diversity; 2-D: modes_covered, hq_pct, kl, js, fd) in the rows where they were computed,
                    and "alarm" (the names of the alarms it fired) in the row where an alarm fired
    scores.jsonl    every scoring with its histograms (class_hist / mode_hist)
    alarms.jsonl    every alarm (name, step, level, title, message, explanation, remedies)
    tensorboard/    event files, with TrainConfig.tensorboard and the tensorboard package
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import torch

from gan_core.messages import Msg
from gan_core.metrics.alarms import Alarm, AlarmDetector, divergence_alarm
from gan_core.metrics.evaluate import Scorer
from gan_core.metrics.scores import diversity, preload
from gan_core.store import append_jsonl, atomic_write_bytes, read_jsonl

SCORE_KEYS = ("fd_clf", "kid_clf", "precision", "recall", "classes_covered", "class_entropy",
              "modes_covered", "hq_pct", "kl", "js", "fd", "diversity")
TENSORBOARD_HELP = Msg("TensorBoard logging needs the tensorboard package: pip install tensorboard")


def tensorboard_available() -> bool:
    """Whether TensorBoard logging can work: the tensorboard package is installed. Found without
    importing it (find_spec): importing torch.utils.tensorboard took 1.3 s (tensorboard, its
    TensorFlow stub, boto3) of the Train page's first load, which asks this to draw a checkbox.
    The run imports it for real when asked, and says so if that fails (Monitor)."""
    import importlib.util
    import sys

    if "torch.utils.tensorboard" in sys.modules:  # imported already (None: known to be missing)
        return sys.modules["torch.utils.tensorboard"] is not None
    try:
        return importlib.util.find_spec("tensorboard") is not None
    except (ImportError, ValueError):
        return False


class Monitor:
    def __init__(self, cfg, data, engine, run_dir: str | Path, alarms: list[dict], scores: dict):
        self.cfg = cfg
        self.dir = Path(run_dir)
        self.alarms = alarms  # TrainingRun.alarms: shared, appended here
        self.scores = scores  # TrainingRun.scores: the latest scoring, replaced here
        self.every = int(getattr(cfg, "score_every", 0) or 0)
        self.detector = AlarmDetector(probabilities=engine.loss.logits)  # D's outputs shown as sigma(logit)
        self.score_seconds = 0.0  # time spent scoring (the benchmark reads it)
        self._raise: Alarm | None = None
        self.scorer: Scorer | None = None
        if engine.step > 0:  # resumed: keep the alarms of the steps before the checkpoint
            kept = [a for a in read_jsonl(self.dir / "alarms.jsonl") if a.get("step", 0) <= engine.step]
            atomic_write_bytes(self.dir / "alarms.jsonl", "".join(_line(a) for a in kept).encode())
            alarms[:] = kept
        if self.every > 0:
            t0 = time.perf_counter()
            self.scorer = Scorer(cfg.dataset, data, engine.device, cfg.latent_dim, seed=cfg.seed, live=True,
                                 noise=cfg.noise)
            preload()  # the libraries' import time belongs to the set-up, not to the first scoring
            if not self.scorer.available:
                self._fire(Alarm("notice", engine.step, Msg("Scores: {why}", why=self.scorer.unavailable),
                                 level="info", title=Msg("No quality scores for this dataset")))
            # the real data's diversity at the size of the fixed batch: the 1.0 of the diversity score
            g = torch.Generator().manual_seed(cfg.seed + 3)
            idx = torch.randperm(data.x.shape[0], generator=g)[: max(2, min(cfg.n_fixed, 512))]
            self.real_diversity = diversity(data.x[idx.to(data.x.device)].float())
            self.score_seconds += time.perf_counter() - t0
        self._next = (engine.step // self.every + 1) * self.every if self.every else None
        self.tb = None
        if getattr(cfg, "tensorboard", False):
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(log_dir=str(self.dir / "tensorboard"), purge_step=engine.step or None)
            except ImportError:
                self._fire(Alarm("notice", engine.step, Msg("{help} (the run trains without it)",
                                                            help=TENSORBOARD_HELP),
                                 level="info", title=Msg("TensorBoard not installed")))

    # ------------------------------------------------------------------ hooks
    def on_window(self, engine, row: dict[str, Any], final: bool = False) -> dict[str, Any]:
        """Called with each logged row; returns the score columns to add to it (when scored).
        `final`: the run ends after this row (a time limit), so it is scored as the last step is."""
        extra: dict[str, Any] = {}
        if self._next is not None and (engine.step >= self._next or engine.step >= self.cfg.steps or final):
            t0 = time.perf_counter()
            extra = self._score(engine)
            self.score_seconds += time.perf_counter() - t0
            self._next = (engine.step // self.every + 1) * self.every
        fired = self.detector.update({**row, **extra})
        for alarm in fired:
            self._fire(alarm)
            if alarm.name == "divergence":
                self._raise = alarm
        if fired:  # the alarm is also in the row it fired on (metrics.jsonl), where Compare reads it
            extra["alarm"] = ",".join(a.name for a in fired)
        if self.tb is not None:
            for k, v in {**row, **extra}.items():
                if k not in ("step", "time") and isinstance(v, (int, float)) and math.isfinite(v):
                    self.tb.add_scalar(_tb_tag(k), v, engine.step)
        return extra

    @property
    def healthy(self) -> bool:
        """False while a loss is exploding (not yet confirmed): no checkpoint should be written then."""
        return self._raise is None and self.detector.exploding == 0

    def raise_if_diverged(self) -> None:
        """An exploding loss ends the run the way a NaN does (TrainingRun keeps its last good checkpoint)."""
        if self._raise is not None:
            from gan_core.engine import Divergence

            raise Divergence(self._raise.message)

    def on_divergence(self, step: int, message: str | Msg) -> None:
        """Record a divergence found elsewhere (NaN/Inf in Engine.flush, non-finite weights)."""
        if not any(a["name"] == "divergence" for a in self.alarms[-1:]):
            self._fire(divergence_alarm(step, message))

    def on_sample(self, step: int, x: torch.Tensor, png: bytes | None = None) -> None:
        if self.tb is None:
            return
        if x.dim() == 4:  # the project's grid (torchvision's make_grid defaults: padding 2, black)
            from gan_core.sampling import grid_uint8

            grid = grid_uint8(x[:64], nrow=8, padding=2, pad_value=0)
            self.tb.add_image("samples/fixed_noise", grid, step, dataformats="HW" if grid.ndim == 2 else "HWC")
        elif png is not None:
            import io

            import numpy as np
            from PIL import Image

            self.tb.add_image("samples/fixed_noise", np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), step,
                              dataformats="HWC")

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()
            self.tb = None

    # ------------------------------------------------------------------ internals
    def _score(self, engine) -> dict[str, Any]:
        full: dict[str, Any] = {}
        if self.scorer is not None and self.scorer.available:
            full = self.scorer.score(getattr(engine, "G_sample", engine.G))  # the EMA of G when there is one
        fixed = engine.sample_fixed()
        if fixed.shape[0] >= 2 and self.real_diversity and self.real_diversity > 0:
            full["diversity"] = diversity(fixed) / self.real_diversity
        cols = {k: float(full[k]) for k in SCORE_KEYS if k in full and isinstance(full[k], (int, float))}
        if self.scorer is not None and self.scorer.clf is not None:
            full["class_names"] = list(self.scorer.clf.card.get("class_names", []))
        self.scores.update({"step": engine.step, **full})  # one update (no clear): readers never see it empty
        append_jsonl(self.dir / "scores.jsonl", [{"step": engine.step, **_jsonable(full)}])
        return cols

    def _fire(self, alarm: Alarm) -> None:
        d = alarm.to_dict()
        self.alarms.append(d)
        append_jsonl(self.dir / "alarms.jsonl", [d])
        if self.tb is not None:
            self.tb.add_text("alarms", f"**{alarm.title}** (step {alarm.step}): {alarm.message}", alarm.step)


def _tb_tag(key: str) -> str:
    return ("scores/" if key in SCORE_KEYS else "train/") + key


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def _line(a: dict) -> str:
    import json

    return json.dumps(a) + "\n"
