"""Gallery page: shipped models and chosen runs side by side, and a static HTML page of them.

Each card shows the item's samples (a run's newest saved grid; a shipped model's samples from seed
0), its name, key settings and scores in words. "Download as HTML" writes the same cards into one
self-contained file (images inlined) that a teacher can mail or put online: gan_core/gallery.py
builds both the items and the file, so `python -m gan_core gallery` writes the same page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gan_core.gallery import MAX_ITEMS, GalleryError, GalleryItem, gallery_html, item_from_pretrained, item_from_run
from gan_core.messages import Msg
from gan_core.pretrained import PRETRAINED_DIR, PretrainedError, list_pretrained
from gan_core.store import list_runs
from ui.class_mode import listed
from ui.explore_source import showcase_order
from ui.i18n import _, language, tr
from ui.run_cards import STATE_NAMES, card_scores, newest_sample, run_card

PER_ROW = 3
DEFAULT_RUNS = 3  # the newest runs with a grid are chosen when the page opens
HTML_LANG = {"en": "en", "zh": "zh-Hans"}  # the downloaded page's <html lang>: ui.i18n's language -> BCP 47

st.title(_("Gallery: models side by side"))
st.caption(_("Shipped models and your runs next to each other: samples, settings and scores. Choose what to show, "
             "then download the page as one HTML file to share (it opens in any browser, offline)."))
st.markdown("<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>", unsafe_allow_html=True)


@st.cache_data(show_spinner=False, max_entries=64)
def _pretrained_item(name: str, stamp: float) -> GalleryItem:
    """Loading a model and drawing its samples takes a second or more: once per model file."""
    return item_from_pretrained(name, describe=card_scores)


def _run_text(status: dict) -> str:
    """'ring8 lr 1 · ring8 · mlp · ns · finished at step 2,000' (what the Runs page's card says)."""
    c = run_card(status, with_files=False)
    where = _("{state} at step {step:,}").format(state=tr(STATE_NAMES.get(c.state, c.state)), step=c.step)
    return " · ".join(x for x in (c.name, c.setup, where) if x)


def _run_item(run_dir: str) -> GalleryItem:
    return item_from_run(run_dir, describe=card_scores)  # reads a few small files; gan_core.run_view caches


cards = showcase_order(list_pretrained())
titles = {c.name: tr(c.title) for c in cards}
runs = [r for r in listed(list_runs()) if newest_sample(Path(r["dir"])) is not None]  # a student's own (class mode)
by_id = {Path(r["dir"]).name: {**r, "id": Path(r["dir"]).name} for r in runs}

with st.sidebar:
    st.header(_("Show"))
    # the defaults through session state (a widget given both warns): every shipped model, the newest runs;
    # a choice that has gone since (a run deleted) is dropped, not an error
    st.session_state["gal_models"] = [m for m in st.session_state.get("gal_models", list(titles)) if m in titles]
    asked = st.session_state.get("gal_runs", list(by_id)[:DEFAULT_RUNS])
    st.session_state["gal_runs"] = [r for r in asked if r in by_id]
    gone = [r for r in asked if r not in by_id]
    chosen_models = st.multiselect(_("Shipped models"), list(titles), format_func=titles.get,
                                   placeholder=_("Choose shipped models") if titles else _("No shipped model found"),
                                   key="gal_models", help=_("Generators shipped in pretrained/, with their measured "
                                                            "scores. Their samples are drawn from seed 0."))
    chosen_runs = st.multiselect(_("Runs"), list(by_id), format_func=lambda i: _run_text(by_id[i]), key="gal_runs",
                                 placeholder=_("Choose runs") if by_id else _("No run to choose yet"),
                                 help=_("Runs that have saved at least one sample grid (newest first); a card "
                                        "shows the newest grid."))
    if not runs:
        st.caption(_("No run has saved a sample grid yet: train one on the Train page."))
    page_title = st.text_input(_("Page title"), _("GAN gallery"), key="gal_title", max_chars=120,
                               help=_("The heading of the downloaded HTML page."))

items: list[GalleryItem] = []
problems: list[str] = []
with st.spinner(_("Drawing samples from the shipped models...")):
    for name in chosen_models:
        try:
            items.append(_pretrained_item(name, (PRETRAINED_DIR / f"{name}.safetensors").stat().st_mtime))
        except (PretrainedError, OSError) as e:
            problems.append(_("Shipped model {name}: {error}").format(name=name, error=tr(e)))
for rid in chosen_runs:
    try:
        items.append(_run_item(by_id[rid]["dir"]))
    except (GalleryError, OSError) as e:
        problems.append(tr(e))
for rid in gone:  # chosen earlier, but its grids (or the whole run) were deleted since
    problems.append(_("run {id} has saved no sample grid any more, or was deleted; it is no longer offered")
                    .format(id=rid))
for p in problems:
    st.error(_("Left out: {problem}").format(problem=p))

if not items:
    st.info(_("Nothing chosen: pick shipped models or runs in the sidebar to see them side by side."))
    st.stop()
if len(items) > MAX_ITEMS:
    st.error(_("{n} items chosen; a gallery shows at most {most}. Remove some in the sidebar.").format(
        n=len(items), most=MAX_ITEMS))
    st.stop()

try:
    # in the page's language (the CLI's page stays English): every word through tr, the HTML's lang tag
    page = gallery_html(items, title=page_title.strip() or _("GAN gallery"), translate=tr,
                        lang=HTML_LANG.get(language(), "en"))
except GalleryError as e:  # the checks above make this unreachable; a clear message all the same
    st.error(tr(e))
    st.stop()
safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in (page_title.strip() or "gan-gallery")).strip("-")
st.download_button(_("Download as HTML ({n} items, {kb:,.0f} kB)").format(n=len(items), kb=len(page) / 1024), page,
                   f"{safe.lower() or 'gan-gallery'}.html", "text/html", icon=":material/download:",
                   key="gal_download", on_click="ignore", type="primary",
                   help=_("One file with the images inside it: no other file, no network, no script."))

for start in range(0, len(items), PER_ROW):
    cols = st.columns(PER_ROW)
    for col, it in zip(cols, items[start:start + PER_ROW]):
        with col.container(border=True):
            badge = (":green-badge[{}]".format(_("Run")) if it.source == "Run"
                     else ":blue-badge[{}]".format(_("Shipped model")))
            st.markdown(f"{badge}\n#### {it.title if it.source == 'Run' else tr(it.title)}")
            st.image(it.png, caption=tr(it.caption), width="stretch", output_format="PNG")
            shown = [(tr(k), tr(v) if isinstance(v, Msg) else v) for k, v in it.settings]
            st.markdown("  \n".join(_("{label}: **{value}**").format(label=k, value=v) for k, v in shown))
            if it.scores:
                st.markdown("  \n".join(_("{label}: **{value}**").format(label=tr(k), value=v) for k, v in it.scores))
            else:
                st.caption(_("No scores measured yet."))
            st.caption((_("run id {id}") if it.source == "Run" else _("model {id}")).format(id=it.ident))
