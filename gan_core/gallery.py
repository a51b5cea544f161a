"""A gallery: shipped models and chosen runs side by side, and a static HTML page of it to share.

The tutorials show results as an "online gallery"; a teacher wants the same after a class: the
runs the students made next to the shipped models, each with its samples, name, key settings and
scores, in one file they can mail or put on a course page. The Gallery page (app_pages/gallery.py)
shows the items; `gallery_html` writes them as one self-contained HTML file: images inlined as
base64 PNG (no other file, no network, no script), every text HTML-escaped.

An item's picture: for a run, its newest saved fixed-noise grid (samples/step_*.png, what the Train
page last showed); for a shipped model, samples drawn now from seed 0 (a shipped model keeps no
grid), so the same model always shows the same picture.

Scores arrive as raw keys (fd_clf, modes_covered, ...). The page turns them into words with its
metric table (ui/metric_labels.py) and passes `describe`; the CLI, below the UI, uses the keys.

Language: the core never translates. Every word `gallery_html` writes is a Msg (or a registry text: a
card's title, a metric label), so the page passes its translator (`translate=ui.i18n.tr`, and the
page's `lang`) and a teacher in a Chinese session downloads a Chinese page; the CLI passes nothing
and writes English.
"""

from __future__ import annotations

import base64
import html
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gan_core.messages import Msg
from gan_core.run_view import from_disk
from gan_core.store import PRETRAINED_DIR, atomic_write_bytes, runs_root
from gan_core.timelapse import saved_grids

# The scores an item shows, most telling first (those present): the Runs page's choice.
SHOWN_SCORES = ("fd_clf", "precision", "recall", "classes_covered", "modes_covered", "hq_pct", "kl", "fd", "diversity")
MAX_ITEMS = 48  # a page a browser opens at once (each item inlines a PNG of tens of kB)
GRID_SAMPLES = 36  # samples drawn for a shipped model's picture (unconditional: 6 x 6)

Describe = Callable[[dict[str, Any]], list[tuple[str, str]]]
SOURCE_NAMES = {"Run": Msg("Run"), "Shipped model": Msg("Shipped model")}  # GalleryItem.source, as a badge says it
SETTINGS, SCORES, NOT_MEASURED = Msg("Settings"), Msg("Scores"), Msg("not measured")  # the HTML card's headings


class GalleryError(ValueError):
    """An item or a gallery cannot be made; the message says why and what is allowed."""


@dataclass
class GalleryItem:
    """One model or run as the gallery shows it."""

    title: str  # the run's name or the model card's title
    source: str  # "Shipped model" | "Run"
    ident: str  # the model's name or the run's id
    png: bytes  # the picture (a grid of samples, or a scatter of 2-D points)
    caption: str  # what the picture is ("G(fixed z) at step 2,000")
    settings: list[tuple[str, str]] = field(default_factory=list)  # (what, value), key settings
    scores: list[tuple[str, str]] = field(default_factory=list)  # (score, value), already in words


def raw_scores(scores: dict[str, Any]) -> list[tuple[str, str]]:
    """The default `describe`: the SHOWN_SCORES present, as key and 3 significant digits."""
    out = []
    for k in SHOWN_SCORES:
        v = scores.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out.append((k, f"{v:,}" if isinstance(v, int) else f"{v:.3g}"))
    return out


def settings_of(cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """The settings a reader compares first: data, networks, loss, optimisation, length."""
    def get(k: str, default: Any = "?") -> Any:
        return cfg.get(k, default)

    out = [(Msg("Dataset"), str(get("dataset"))), (Msg("Architecture"), str(get("arch"))),
           (Msg("Loss"), str(get("loss"))), (Msg("Learning rates"), f"G {get('lr_g')} · D {get('lr_d')}"),
           (Msg("Batch size"), str(get("batch_size"))), (Msg("D steps per G step"), str(get("d_steps", 1)))]
    regs = []
    for k, name in (("gp_weight", Msg("gradient penalty")), ("r1_weight", "R1"), ("ema_decay", Msg("EMA of G"))):
        v = cfg.get(k)
        if isinstance(v, (int, float)) and v and (k != "gp_weight" or cfg.get("loss") == "wgan-gp"):
            regs.append(Msg("{name} {value}", name=name, value=v))  # the GP weight acts only with wgan-gp
    if regs:
        parts = {f"r{i}": r for i, r in enumerate(regs)}
        joined = ", ".join(f"{{{k}}}" for k in parts)  # "{r0}, {r1}": a template of no words; each part translates
        out.append((Msg("Extras"), Msg(joined, **parts)))
    return out


def item_from_run(run_dir: str | Path, describe: Describe = raw_scores) -> GalleryItem:
    """A run directory's item: its newest grid, name, state, settings and latest scores.
    Raises GalleryError for a run that has saved no grid (nothing to show)."""
    d = Path(run_dir)
    if not (d / "status.json").is_file():
        raise GalleryError(f"{d}: not a run directory (no status.json)")
    frames = saved_grids(d)
    snap = from_disk(d)
    if not frames:
        raise GalleryError(f"run {snap.name!r} ({snap.id}) has saved no sample grid yet, so it has nothing to "
                           "show; choose a run that has trained at least until its first grid")
    status = snap.status
    step, steps = status.get("step"), status.get("steps")
    settings = settings_of(snap.config)
    if isinstance(step, int) and isinstance(steps, int):
        settings.insert(0, (Msg("Steps"), Msg("{step:,} of {steps:,} ({state})", step=step, steps=steps,
                                                 state=Msg.literal(str(status.get("state", "?"))))))
    return GalleryItem(title=snap.name, source="Run", ident=snap.id, png=frames[-1].path.read_bytes(),
                       caption=Msg("G(fixed z) at step {step:,}", step=frames[-1].step), settings=settings,
                       scores=describe(snap.scores or {}))


def item_from_pretrained(name: str, describe: Describe = raw_scores,
                         directory: str | Path = PRETRAINED_DIR) -> GalleryItem:
    """A shipped model's item: samples drawn from seed 0 (a conditional model: one column per class),
    its card's title, settings and measured scores. Raises PretrainedError for an unknown name."""
    import torch  # the models: only when a shipped model is shown

    from gan_core.pretrained import load_pretrained
    from gan_core.sampling import grid_image, png_bytes, points_image

    G, cfg, card = load_pretrained(name, directory=directory)
    gen = torch.Generator().manual_seed(0)
    cols = card.n_classes if card.conditional else math.isqrt(GRID_SAMPLES)
    n = cols * max(1, GRID_SAMPLES // cols) if card.kind == "image" else 2000
    z = torch.randn(n, card.latent_dim, generator=gen) if cfg.noise == "gaussian" else \
        torch.rand(n, card.latent_dim, generator=gen) * 2 - 1
    kw = {"generator": torch.Generator().manual_seed(1)} if getattr(G, "uses_noise", False) else {}
    with torch.no_grad():
        x = (G(z, torch.arange(n) % card.n_classes, **kw) if card.conditional else G(z, **kw)).float()
    if card.kind == "image":
        png = png_bytes(grid_image(x, nrow=cols))
        caption = (Msg("{n} samples from seed 0, one column per class", n=n) if card.conditional
                   else Msg("{n} samples from seed 0", n=n))
    else:
        pts = x.numpy()
        extent = round(1.15 * float(abs(pts).max()) + 0.05, 2)
        png = png_bytes(points_image(pts, None, extent=extent))
        caption = Msg("{n:,} points from seed 0", n=n)
    settings = [(Msg("Steps"), f"{card.steps:,}"), *settings_of(cfg.to_dict())]
    return GalleryItem(title=card.title, source="Shipped model", ident=card.name, png=png, caption=caption,
                       settings=settings, scores=describe(card.scores or {}))


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#222;background:#fafafa}
h1{margin:0 0 .2rem}.sub{color:#666;margin:0 0 1.5rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:1.2rem}
.card{background:#fff;border:1px solid #ddd;border-radius:10px;padding:1rem}
.card h2{font-size:1.1rem;margin:.1rem 0 .4rem}.badge{font-size:.75rem;padding:.1rem .5rem;border-radius:1rem;
background:#e8eefc;color:#234}.badge.run{background:#eaf6ea;color:#253}
.card img{width:100%;image-rendering:pixelated;border:1px solid #eee;margin:.6rem 0 .2rem}
.cap{font-size:.8rem;color:#666;margin:0 0 .6rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}td{padding:.15rem .3rem;border-top:1px solid #f0f0f0}
td:first-child{color:#555}h3{font-size:.85rem;margin:.7rem 0 .2rem;color:#444}.id{font-size:.72rem;color:#888}
"""


def gallery_html(items: Sequence[GalleryItem], title: str = "GAN gallery", note: str = "",
                 translate: Callable[[Any], str] = str, lang: str = "en") -> str:
    """One self-contained HTML page of the items (inline CSS, base64 PNGs, no script, no link out).
    `translate` shows each word (a Msg, a card's title, a score's label) in the reader's language and
    `lang` is the page's language tag (the UI passes its translator; str and "en": English). A run's
    name, the title and the note are the user's own text, written as they are.
    Raises GalleryError for an empty selection or more than MAX_ITEMS."""
    if not items:
        raise GalleryError("the gallery is empty: choose at least one shipped model or run")
    if len(items) > MAX_ITEMS:
        raise GalleryError(f"{len(items)} items chosen; a gallery page holds at most {MAX_ITEMS}")
    e = html.escape

    t = translate

    def words(v: Any) -> str:  # a setting's value: a Msg is words, anything else (ids, numbers) as it is
        return t(v) if isinstance(v, Msg) else str(v)

    def table(rows: list[tuple[str, str]]) -> str:
        return "<table>" + "".join(f"<tr><td>{e(t(k))}</td><td>{e(words(v))}</td></tr>" for k, v in rows) + "</table>"

    cards = []
    for it in items:
        b64 = base64.b64encode(it.png).decode("ascii")
        kind = "run" if it.source == "Run" else "model"
        name = it.title if it.source == "Run" else t(it.title)  # a run's name is the user's; a card's title words
        head = e(t(SCORES))
        scores = (f"<h3>{head}</h3>{table(it.scores)}" if it.scores
                  else f"<h3>{head}</h3><p class=cap>{e(t(NOT_MEASURED))}</p>")
        caption = e(words(it.caption))
        cards.append(
            f'<div class="card"><span class="badge {kind}">{e(t(SOURCE_NAMES.get(it.source, it.source)))}</span>'
            f'<h2>{e(name)}</h2><div class="id">{e(it.ident)}</div>'
            f'<img src="data:image/png;base64,{b64}" alt="{caption} ({e(name)})">'
            f'<p class="cap">{caption}</p><h3>{e(t(SETTINGS))}</h3>{table(it.settings)}{scores}</div>')
    made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    sub = (Msg("{n} model side by side · made {made} with the GAN playground", n=len(items), made=made)
           if len(items) == 1 else
           Msg("{n} models side by side · made {made} with the GAN playground", n=len(items), made=made))
    return (f'<!DOCTYPE html>\n<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
            f'<body><h1>{e(title)}</h1><p class="sub">{e(t(sub))}</p>'
            + (f"<p>{e(note)}</p>" if note else "")
            + f'<div class="grid">{"".join(cards)}</div></body></html>\n')


def run_gallery(args) -> int:
    """`python -m gan_core gallery`: write the HTML of the chosen shipped models and runs."""
    from gan_core.pretrained import PretrainedError

    try:
        items = [item_from_pretrained(n) for n in args.pretrained or []]
        for r in args.run or []:
            p = Path(r)
            items.append(item_from_run(p if p.is_dir() or "/" in r else runs_root() / r))
        doc = gallery_html(items, title=args.title)
    except (GalleryError, PretrainedError) as err:
        print(f"python -m gan_core gallery: error: {err}", file=sys.stderr)
        return 2
    atomic_write_bytes(Path(args.out), doc.encode("utf-8"))
    print(f"wrote {args.out}: {len(items)} items, {len(doc) / 1024:,.0f} kB")
    return 0
