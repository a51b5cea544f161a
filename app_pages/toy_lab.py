"""2-D lab: the whole adversarial game on a plane (after GAN Lab, Kahng et al. 2018).

Real and fake points, D's output as a heat map, arrows of G's gradient on each fake point, G's
manifold; play, pause, single steps (D, G or both) and a slow motion that shows the two halves of
an iteration apart. The configuration is drawn by the Train page's form code (ui/config_form.py:
every loss, regulariser, optimiser and schedule), with its own widget keys (FORM_KEY), so the lab's
small 2-D settings and the Train page's settings do not overwrite each other.

Why no training thread here (unlike the Train page): the lab is a live picture, not a run. It
keeps nothing on disk, and a user expects it to move only while they watch it and to stop
exactly where they pause it; a step must be exactly one step. So each refresh of the view (a
fragment rerunning a few times a second while playing) first trains for a short time budget
(whole iterations; in slow motion one half-iteration) and then draws. The page stays responsive
because a refresh never trains for more than PLAY_BUDGET_S; nothing runs when no page is open
(a closed tab cannot leave a thread behind), and the controls need no locks: every call into the
lab happens in this session's script thread. The lab object (small models, a few MB) lives in
this session's state and goes with it.

Why the view is a canvas component and the refresh draws *before* it trains (issue 15): with a
Plotly view redrawn by a fragment that first trained, the heat map was blank or greyed out in most
screenshots during Play on a 2-core machine. The canvas (ui/components/lab_canvas.py) is updated
in place with frames of a few kB; the fast fragment sends them as its first elements, so
they are never stale for long (Streamlit fades what a running rerun has not re-sent yet) and then
trains for the next ones. A refresh sends FRAMES_PER_TICK frames (the ones it made while training
last time, then the state of now), which the canvas plays evenly: the browser handles a few
reruns a second instead of twelve, and that, not the drawing, was what held the rate down. The
charts and the scores, which are slower to make, refresh in a fragment of their own every
CHART_TICK_S. Pausing reruns the page, which draws the exact state.
"""

from __future__ import annotations

import streamlit as st

from gan_core.config import OPTIONS, PRESETS, ConfigError, TrainConfig, preset
from gan_core.data import DATASETS, DataError
from gan_core.toylab import PHASE_TEXT, ToyLab, check_lab_config
from ui.components.lab_canvas import lab_canvas
from ui.config_form import config_form, load_into_form
from ui.data_form import use_drawing
from ui.draw_points import drawing_dialog, open_drawing
from ui.i18n import _, pgettext, tr
from ui.toy_figures import LAYERS, encode_frame, lab_charts, layer_label

LAB_PRESET = "ring8-lab"  # what the lab starts with
FORM_KEY = "labcfg_"  # prefix of the lab's form widgets (the Train page's are "cfg_")
LAB_PRESETS = [k for k, p in PRESETS.items() if DATASETS.get(p.fields.get("dataset", "ring8")).kind == "points"]
TICK_S = 0.25  # refresh period of the view while playing (a tick that comes during a refresh waits for it)
FRAMES_PER_TICK = 4  # frames a refresh sends while playing (the canvas plays them evenly: ~16 a second)
SLOW_TICK_S = 2.0  # slow motion: one half-iteration (D phase or G phase) per refresh
PLAY_BUDGET_S = 0.02  # training time per frame while playing (the rest of a frame's share of a tick draws)
FRAMES = "lab_frames"  # session_state key: frames made during the last refresh, sent by the next one
CHART_TICK_S = 4.0  # refresh period of the charts and scores while playing (the browser redraws them on the
# thread that draws the view: at load 20, with charts every 2 s, the view got 14-16 frames in 10 s; without, 32-44)
STATE = "toylab"  # session_state key of this session's ToyLab

st.title(_("2-D lab: the adversarial game, step by step"))
st.caption(_("Real points (green), G's points (purple), D's output over the plane (heat map), the direction in "
             "which G's loss pushes each fake point (dark arrows with a white outline) and the image of a grid of "
             "noise space under G (grey lines). Press **Play**, or step through the game one move at a time."))


def _use_lab_preset() -> None:
    load_into_form(preset(LAB_PRESET), FORM_KEY, preset=LAB_PRESET)


lab: ToyLab | None = st.session_state.get(STATE)
if FORM_KEY + "dataset" not in st.session_state and lab is not None:
    # Back from another page (Streamlit dropped the form's widget values): show the settings of
    # the lab that is still here, so it carries on instead of restarting.
    load_into_form(lab.cfg, FORM_KEY, preset=st.session_state.get("lab_preset_shown", LAB_PRESET))
with st.sidebar:
    st.header(_("Configuration"))
    cfg, form_error = config_form(FORM_KEY, default_preset=LAB_PRESET, presets=LAB_PRESETS)
st.session_state.lab_preset_shown = st.session_state.get(FORM_KEY + "preset")
# Draw your own distribution, as in GAN Lab, from any dataset: the drawing becomes the form's CSV source
# (ui/draw_points.py) and the lab restarts on it. With the CSV source chosen, the form draws the dialog itself.
st.button(_("Draw your own distribution"), icon=":material/draw:", key="lab_draw", on_click=open_drawing,
          args=(FORM_KEY, st.session_state.get(FORM_KEY + "arg_csv", "")),
          help=_("Click and drag points onto a plane; the lab then trains on your points."))
if st.session_state.get(FORM_KEY + "dataset") != "csv":
    drawing_dialog(FORM_KEY, lambda data: use_drawing(FORM_KEY, data))
if cfg is not None:
    try:
        check_lab_config(cfg)
    except ConfigError as e:
        cfg, form_error = None, e


def _build(cfg: TrainConfig) -> ToyLab | None:
    try:
        with st.spinner(_("Building the lab...")):
            return ToyLab(cfg)
    except (ConfigError, DataError, RuntimeError) as e:
        st.error(_("Cannot build the lab: {error}").format(error=tr(e)))
        return None


if form_error:
    st.error(_("{error} (the lab keeps its last valid settings)").format(error=tr(form_error)) if lab is not None
             else tr(form_error))
    st.button(_("Use the ring-of-8 lab preset"), on_click=_use_lab_preset, icon=":material/restart_alt:",
              key="lab_ring8")
if cfg is not None and (lab is None or lab.cfg != cfg):
    if lab is not None:
        st.toast(_("Settings changed: the lab restarted at step 0."), icon=":material/restart_alt:")
    lab = _build(cfg)
    st.session_state[STATE] = lab
if lab is None:
    st.stop()

# ---- controls (outside the refreshing fragment: their callbacks run before the page redraws)
playing = bool(st.session_state.get("lab_playing")) and lab.error is None and not lab.finished


def _set_play(on: bool) -> None:
    """The button sets what its label says (not a toggle): a click that arrives late, or twice,
    while a refresh is running still leaves the lab paused after "Pause" and playing after "Play"."""
    st.session_state.lab_playing = on


def _step(kind: str) -> None:
    lab = st.session_state.get(STATE)
    if lab is None:
        return
    {"both": lab.step_both, "D": lab.step_d, "G": lab.step_g}[kind]()


def _reset() -> None:
    st.session_state.pop(STATE, None)  # rebuilt from the form's config (same seed: the same start)
    st.session_state.lab_playing = False


c = st.columns([1.1, 1, 1, 1, 1.6, 1])
c[0].button(_("Pause") if playing else _("Play"), type="primary",
            icon=":material/pause:" if playing else ":material/play_arrow:",
            on_click=_set_play, args=(not playing,), key="lab_play",
            disabled=lab.error is not None or (lab.finished and not playing),
            help=_("Train continuously (whole iterations; in slow motion one half-iteration every 2 s)."))
c[1].button(pgettext("button: train one step", "Step"), icon=":material/skip_next:", on_click=_step, args=("both",),
            disabled=playing or bool(lab.error), key="lab_step",
            help=_("One iteration: the D phase (**{d_steps}** updates of D), then the G phase (one G update).").format(
                d_steps=tr(OPTIONS.label("d_steps"))))
c[2].button(_("D step"), on_click=_step, args=("D",), disabled=playing or bool(lab.error), key="lab_step_d",
            help=_("Only the D phase: **{d_steps}** updates of D; G and the fake points stay where they are.").format(
                d_steps=tr(OPTIONS.label("d_steps"))))
c[3].button(_("G step"), on_click=_step, args=("G",), disabled=playing or bool(lab.error), key="lab_step_g",
            help=_("Only the G phase: one update of G; D and its heat map stay as they are. Ends the iteration."))
slow = c[4].toggle(_("Slow motion"), key="lab_slow",
                   help=_("While playing, show the D phase and the G phase of each iteration one after the other, "
                          "with what each did."))
c[5].button(_("Reset"), icon=":material/restart_alt:", on_click=_reset, key="lab_reset",
            help=_("Start again from step 0 with the same settings and seed."))
layers = st.pills(_("Layers"), list(LAYERS), format_func=layer_label, selection_mode="multi", default=list(LAYERS),
                  key="lab_layers", label_visibility="collapsed")


def view(playing: bool, slow: bool, layers: list[str]) -> None:
    """Draw the view (counters, explanation, canvas) and then, when playing, train for the next refresh.

    In slow motion the half-iteration comes first instead: its explanation describes the picture."""
    lab: ToyLab | None = st.session_state.get(STATE)
    if lab is None:
        return
    # The state of now, not the one this fragment was registered with: an auto-refresh that the
    # browser queued before a Pause click can run after it, and must not train one more tick
    # behind the user's back (the page would show a step count the lab has already passed).
    playing = playing and bool(st.session_state.get("lab_playing"))
    if playing and slow and not lab.finished:
        lab.step_phase()
    snap = lab.snapshot()
    rate = _(" · {rate:.0f} steps/s").format(rate=lab.steps_per_s()) if playing and not slow else ""
    counts = (_("Step **{step:,}** · D updates {d:,} · G updates {g:,}{rate} · next: D phase") if snap.next_phase == "D"
              else _("Step **{step:,}** · D updates {d:,} · G updates {g:,}{rate} · next: G phase"))
    st.markdown(counts.format(step=snap.step, d=snap.d_updates, g=snap.g_updates, rate=rate))
    if lab.error:
        st.error(tr(lab.error))
    elif lab.finished:
        st.info(_("Reached the {steps:,} steps of the settings (the learning-rate schedule is laid out over them): "
                  "Play stops here; single steps go on. Raise **{option}** in the sidebar for a longer game (the lab "
                  "restarts).").format(steps=lab.cfg.steps, option=tr(OPTIONS.label("steps"))))
    made = st.session_state.pop(FRAMES, None)  # never kept past a refresh: a pause, a step or new settings drop them
    before = made["frames"] if made and made["lab"] == id(lab) and playing and not slow else []
    left, right = st.columns([3, 2])
    with left:
        lab_canvas(encode_frame(snap, layers), key="lab_view", before=before)
    with right:
        last = lab.last
        if slow or (last is not None and last.kind in ("D", "G", "both")):
            if last is not None and last.kind in ("D", "G", "both"):
                st.info(tr(last.text))
            else:
                st.info(tr(PHASE_TEXT[snap.next_phase]))
        what = (_("P(real) = sigmoid(D(x)): red where D calls a point fake, blue where it calls it real")
                if snap.heat_is_probability else _("D's raw score (loss '{loss}' has no probability): blue high "
                                                   "(real-looking), red low").format(loss=lab.cfg.loss))
        grey = (_("**Grey lines**: G applied to a grid of noise space.") if snap.manifold is not None else
                _("G's manifold is drawn for a 1-D or 2-D latent only."))
        st.caption(_("**Heat map**: {what}. **Arrows** (dark, with a white outline that shows on dark red and dark "
                     "blue): -∂L_G/∂x at each fake point, scaled together (the longest is drawn the same length "
                     "every time; the direction is exact). {grey}").format(what=what, grey=grey))
    if playing and not slow:  # the frames above are already on their way to the browser
        frames = []
        for i in range(FRAMES_PER_TICK):
            lab.run_for(PLAY_BUDGET_S)
            if lab.error or lab.finished:
                break
            if i < FRAMES_PER_TICK - 1:  # the state after the last one is the next refresh's snapshot
                frames.append(encode_frame(lab.snapshot(), layers))
        st.session_state[FRAMES] = {"lab": id(lab), "frames": frames}
    if playing and (lab.error or lab.finished):
        st.session_state.lab_playing = False
        st.rerun()  # the whole page: controls and polling change


def charts() -> None:
    """Scores of the current step and the charts of the whole game (slower to make than a frame)."""
    lab: ToyLab | None = st.session_state.get(STATE)
    if lab is None:
        return
    if not lab.scores or lab.scores[-1]["step"] != lab.step:
        lab.score()
    s = lab.scores[-1]
    modes = (_(" · {covered:.0f}/{modes:.0f} modes covered, {hq:.1f}% high quality").format(
        covered=s["modes_covered"], modes=s["n_modes"], hq=s["hq_pct"]) if "modes_covered" in s else "")
    st.caption(_("Scores of {n:,} samples at step {step:,.0f}: KL {kl:.3f}, JS {js:.3f} nats{modes}").format(
        n=len(lab.score_z), step=s["step"], kl=s["kl"], js=s["js"], modes=modes))
    st.plotly_chart(lab_charts(lab.history, lab.scores), key="lab_charts", config={"displayModeBar": False})


# Streamlit fades an element whose rerun has not re-sent it within half a second. The view is a
# live picture that the next frame replaces anyway; on a loaded machine a refresh can take that
# long, and a greyed-out view is what a class must not see. The key's class (st-key-<key>, the
# documented way to style an element by key) keeps it at full opacity.
st.html("<style>.st-key-lab_view {opacity: 1 !important; transition: none !important;}</style>")
period = (SLOW_TICK_S if slow else TICK_S) if playing else None
st.fragment(run_every=period)(view)(playing, slow, list(layers or []))
st.fragment(run_every=CHART_TICK_S if playing else None)(charts)()
