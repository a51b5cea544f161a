"""The Runs page's data side (no Streamlit here, so it is tested directly): one card per run
directory, with what a teacher needs to pick a run up again: its name, state, progress, the
newest sample grid, the latest scores in words, the full error or stop reason, and whether it can
be continued from a checkpoint. Also the filter and the pages of a long list.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gan_core.messages import Msg, stored_text
from gan_core.store import ACTIVE
from gan_core.timelapse import newest_grid
from ui.metric_labels import format_value, label, metric

# Scores shown on a card, most telling first (the card shows those present).
CARD_SCORES = ("fd_clf", "precision", "recall", "classes_covered", "modes_covered", "hq_pct", "kl", "fd", "diversity")
CONTINUABLE = ("stopped", "interrupted", "finished", "failed")
STATE_FILTERS = {  # filter name -> states it keeps (None: all)
    "All": None,
    "Training": ACTIVE,
    "Finished": ("finished",),
    "Stopped": ("stopped", "interrupted", "failed"),  # or failed: what can be continued
}
# What a state and a filter are called on a page (ui.i18n.tr translates them); the ids stay in files and widget state.
STATE_NAMES = {"running": Msg("running"), "starting": Msg("starting"), "queued": Msg("queued"),
               "paused": Msg("paused"), "finished": Msg("finished"), "stopped": Msg("stopped"),
               "interrupted": Msg("interrupted"), "failed": Msg("failed"), "unknown": Msg("unknown")}
FILTER_NAMES = {"All": Msg("All"), "Training": Msg("Training"), "Finished": Msg("Finished"), "Stopped": Msg("Stopped")}
TAIL_BYTES = 256 * 1024  # a scores.jsonl row (with its histograms) is well under this


@dataclass
class RunCard:
    id: str
    dir: Path
    name: str  # the run's name, or its id for runs from before names
    state: str
    step: int
    steps: int
    setup: str  # "fashion-mnist · dcgan · hinge"
    error: str  # the failure or stop reason, in full ("" when none); a Msg when stored with its template
    checkpoint_step: int | None  # step of checkpoints/last.safetensors, None without one
    thumbnail: Path | None = None  # newest samples/step_*.png
    thumbnail_step: int | None = None
    scores: list[tuple[str, str]] = field(default_factory=list)  # (label, value) of the latest scoring
    scores_help: list[tuple[str, str]] = field(default_factory=list)  # (label, what it measures) of those scores
    scores_step: int | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def can_continue(self) -> bool:
        return self.state in CONTINUABLE and self.checkpoint_step is not None

    @property
    def progress(self) -> float:
        return min(1.0, self.step / self.steps) if self.steps else 0.0


def _int(v: Any, default: int = 0) -> int:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else default


def last_jsonl_row(path: str | os.PathLike) -> dict[str, Any] | None:
    """The last complete JSON object of a .jsonl file, reading only its tail (a long run's file
    is large); None when there is none."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - TAIL_BYTES))
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # a last line cut short, or the first, partial line of the tail
        if isinstance(row, dict):
            return row
    return None


def newest_sample(run_dir: Path) -> Path | None:
    """The samples/step_<N>.png with the highest step N (gan_core.timelapse.newest_grid)."""
    frame = newest_grid(run_dir)
    return None if frame is None else frame.path


def card_score_keys(row: dict[str, Any] | None) -> list[str]:
    """The CARD_SCORES present as numbers in a scores row."""
    return [k for k in CARD_SCORES if row and isinstance(row.get(k), (int, float)) and not isinstance(row.get(k), bool)]


def card_scores(row: dict[str, Any] | None) -> list[tuple[str, str]]:
    return [(label(k), format_value(k, row[k])) for k in card_score_keys(row)]


def scores_help(row: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, what it measures) of each shown score, for the card's hover help (the page translates both)."""
    return [(label(k), metric(k).help) for k in card_score_keys(row)]


def run_card(status: dict[str, Any], with_files: bool = True) -> RunCard:
    """A card from a run's status.json (as gan_core.store.list_runs returns it, with "dir").
    `with_files`: also read the newest sample and the latest scores (only for the cards shown)."""
    d = Path(status["dir"])
    run_id = str(status.get("id") or d.name)
    name = status.get("name")
    setup = " · ".join(str(status[k]) for k in ("dataset", "arch", "loss") if status.get(k))
    ck = status.get("last_checkpoint_step")
    if ck is None and (d / "checkpoints" / "last.safetensors").is_file():  # older status files
        ck = _int(status.get("step"))
    card = RunCard(id=run_id, dir=d, name=name if isinstance(name, str) and name.strip() else run_id,
                   state=str(status.get("state") or "unknown"), step=_int(status.get("step")),
                   steps=_int(status.get("steps")), setup=setup, error=stored_text(status, "error") or "",
                   checkpoint_step=_int(ck) if ck is not None else None)
    if with_files:
        card.thumbnail = newest_sample(d)
        if card.thumbnail is not None:
            digits = card.thumbnail.stem.removeprefix("step_")
            card.thumbnail_step = int(digits) if digits.isdigit() else None
        row = last_jsonl_row(d / "scores.jsonl")
        card.scores = card_scores(row)
        card.scores_help = scores_help(row)
        card.scores_step = _int(row.get("step")) if row else None
    return card


def matches(status: dict[str, Any], text: str, state_filter: str = "All") -> bool:
    """Whether a run passes the page's filter: words found in its name, id, dataset, architecture
    or loss (case-insensitive, every word must match), and its state in the chosen group."""
    states = STATE_FILTERS.get(state_filter)
    if states is not None and status.get("state") not in states:
        return False
    hay = " ".join(str(status.get(k) or "") for k in ("name", "id", "dataset", "arch", "loss", "state")).lower()
    hay += " " + Path(str(status.get("dir", ""))).name.lower()
    return all(w in hay for w in text.lower().split())


def page_of(items: list, page: int, per_page: int) -> tuple[list, int]:
    """(the items of 1-based `page`, the number of pages); a page past the end shows the last."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(1, page), pages)
    return items[(page - 1) * per_page: page * per_page], pages
