"""A run's history of fixed-noise grids: a slider over the saved steps, and the time-lapse export.

Drawn on the Train page (under the live view) and from a run card on the Runs page. Call
`history_panel` through `st.fragment`: moving the slider or making a time-lapse then reruns this
panel only. On the Train page the live view is another fragment that reruns every second while a
run trains; the two never redraw each other, so scrubbing back in time does not stop the live
picture, and the live refresh does not move the slider. The list of grids is read from the run
directory on every rerun of the panel, so a live run's new grids join the slider at the next move.

The frames and the files come from gan_core.timelapse (no Streamlit there: the CLI writes the same
GIF and MP4). A time-lapse is made on request, not on every rerun (a long run's GIF takes seconds),
kept in this session's state, previewed on the page and offered for download.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gan_core.timelapse import (
    FPS_RANGE,
    MAX_FRAMES,
    MP4_UNAVAILABLE,
    TimelapseError,
    mp4_available,
    saved_grids,
    thin,
    timelapse_gif,
    timelapse_mp4,
)
from ui.i18n import _, tr

FORMATS = ("GIF", "MP4")


def _made_key(key: str) -> str:
    return f"hist_made_{key}"


def _make(run_dir: str, key: str, name: str) -> None:
    """Button callback: build the time-lapse asked for and keep it (or the reason it failed)."""
    fmt = st.session_state.get(f"hist_fmt_{key}", "GIF")
    fps = int(st.session_state.get(f"hist_fps_{key}", 5))
    frames = saved_grids(run_dir)
    try:
        data = (timelapse_gif if fmt == "GIF" else timelapse_mp4)(frames, fps=fps, max_frames=MAX_FRAMES)
    except TimelapseError as e:
        st.session_state[_made_key(key)] = {"error": e.args[0] if e.args else str(e)}  # a Msg translates
        return
    n = len(thin(frames, MAX_FRAMES))
    st.session_state[_made_key(key)] = {"fmt": fmt, "data": data, "frames": n, "of": len(frames), "fps": fps,
                                        "name": name, "last_step": frames[-1].step}


def history_panel(run_dir: str | Path, key: str, name: str = "run") -> None:
    """The slider over the run's saved grids and the time-lapse export. `key`: unique per run on the
    page (widget keys derive from it); `name`: the run's name, used for the downloaded file."""
    run_dir = str(run_dir)
    frames = saved_grids(run_dir)
    if not frames:
        st.info(_("This run has saved no sample grid yet. A grid of G(fixed z) is saved every few steps while it "
                  "trains (the *sample every* setting); they appear here as they are written."))
        return
    steps = [f.step for f in frames]
    skey = f"hist_step_{key}"
    if st.session_state.get(skey) not in steps:
        st.session_state[skey] = steps[-1]
    if len(frames) > 1:
        step = st.select_slider(_("Step"), options=steps, key=skey, format_func=lambda s: f"{s:,}",
                                help=_("Every grid the run saved, from the same fixed noise z: drag to watch "
                                       "the samples form. Moving it also picks up grids saved since."))
    else:
        step = steps[0]
    i = steps.index(step)
    st.image(str(frames[i].path), caption=_("G(fixed z) at step {step:,} · grid {i} of {n}").format(
        step=step, i=i + 1, n=len(frames)), output_format="PNG")  # crisp pixels (auto may send a JPEG)

    st.markdown(_("**Time-lapse**: every saved grid in order, its step written under it."))
    c = st.columns([1, 1, 2], vertical_alignment="bottom")
    has_mp4 = mp4_available()
    fmt = c[0].segmented_control(_("Format"), FORMATS if has_mp4 else FORMATS[:1], default="GIF",
                                 key=f"hist_fmt_{key}")
    lo, hi = FPS_RANGE
    c[1].number_input(_("Grids per second"), lo, hi, 5, key=f"hist_fps_{key}",
                      help=_("From {lo} to {hi}. The last grid stays on screen a little longer.").format(lo=lo, hi=hi))
    make = (_("Make time-lapse of {n:,} grids (thinned evenly to {most})") if len(frames) > MAX_FRAMES
            else _("Make time-lapse of {n:,} grids")).format(n=len(frames), most=MAX_FRAMES)
    c[2].button(make, icon=":material/movie:",
                key=f"hist_make_{key}", on_click=_make, args=(run_dir, key, name), disabled=fmt is None)
    if not has_mp4:
        st.caption(_("MP4 is not available on this server. {why}").format(why=tr(MP4_UNAVAILABLE)))
    made = st.session_state.get(_made_key(key))
    if not made:
        return
    if "error" in made:
        st.error(_("No time-lapse made: {error}").format(error=tr(made["error"])))
        return
    size_kb = len(made["data"]) / 1024
    st.caption(_("{fmt}: {frames:,} frames (of {of:,} grids, up to step {last:,}) at {fps} per second, {kb:,.0f} kB.")
               .format(fmt=made["fmt"], frames=made["frames"], of=made["of"], last=made["last_step"], fps=made["fps"],
                       kb=size_kb))
    if made["fmt"] == "GIF":
        st.image(made["data"])
    else:
        st.video(made["data"], format="video/mp4", loop=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in made["name"]).strip("-") or "run"
    ext = made["fmt"].lower()
    st.download_button(_("Download {fmt}").format(fmt=made["fmt"]), made["data"], f"{safe}-timelapse.{ext}",
                       "image/gif" if ext == "gif" else "video/mp4", icon=":material/download:",
                       key=f"hist_dl_{key}", on_click="ignore")


HISTORY_SHOWN = "history_dialog"  # session_state: (run_dir, key, name) of the dialog open, kept until dismissed


def open_history(run_dir: str | Path, key: str, name: str) -> None:
    """Button callback: show the dialog for this run (on this and every following page run, until
    the user closes it: a page run for another reason must not close it under their hands)."""
    st.session_state[HISTORY_SHOWN] = (str(run_dir), key, name)


def _closed() -> None:
    st.session_state.pop(HISTORY_SHOWN, None)


def _dialog(run_dir: str, key: str, name: str) -> None:
    st.markdown(f"#### {name}")
    history_panel(run_dir, key, name)


def history_dialog() -> None:
    """The panel in a dialog, when one was asked for (open_history). A dialog is a fragment of its
    own, so scrubbing does not redraw the list of runs behind it. Decorated here, not where it is
    defined: its title is in this session's language."""
    shown = st.session_state.get(HISTORY_SHOWN)
    if shown:
        st.dialog(_("History of the sample grids"), width="large", on_dismiss=_closed)(_dialog)(*shown)
