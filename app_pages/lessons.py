"""Lessons page: a guided experiment (gan_core.lessons) - what the class will see and why, one click to
run its configuration(s) on the real engine (A and B side by side, same seed), the steps with Next and
Back, the check's verdict from the runs' own metrics, and questions whose answers open on click.

Linkable: ?lesson=<id>&step=<k> (k from 1) opens a lesson at a step. The lesson's runs belong to this
session's owner in the RunManager like the Train page's (ui.session), so a reload finds them again; the
page remembers which runs are the lesson's in ?lesson_runs=<A id>,<B id>.
"""

import streamlit as st

from gan_core.lessons import get_lesson, lesson_ids, lessons
from gan_core.lessons.format import TARGETS, RunResult

POLL_S = 1.0
RUNS_PARAM = "lesson_runs"
METRIC_TARGETS = ("losses", "d_outputs", "grad_norms", "lr")  # step targets (format.TARGETS) in the metrics chart

if st.query_params.get("run") and not st.query_params.get("lesson"):
    # A run link made while Train was the default page (/?run=<id>, the README's, a reload's): Lessons is the
    # default page now, so such a link lands here; it meant the Train page.
    st.switch_page("app_pages/train.py", query_params=st.query_params.to_dict())

st.title("Lessons")
st.caption("Guided experiments: each one makes a textbook phenomenon happen on the real training engine, then "
           "checks from the run's own metrics whether it showed this time.")

# Drafts (Lesson.draft: not yet shown on >= 4 of 5 seeds) are listed only when asked for, or opened by a link.
asked = st.query_params.get("lesson")
if asked is not None and asked not in lesson_ids():
    st.error(f"There is no lesson {asked!r}. Lessons: {', '.join(lesson_ids(drafts=False))}.")
    asked = None
if asked is not None and get_lesson(asked).draft:
    st.session_state.lesson_drafts = True


def _drafts_toggled() -> None:
    shown = st.query_params.get("lesson")
    if not st.session_state.lesson_drafts and shown in lesson_ids() and get_lesson(shown).draft:
        st.query_params["lesson"] = lesson_ids(drafts=False)[0]  # hiding drafts leaves the draft shown
        st.query_params["step"] = "1"
        st.query_params.pop(RUNS_PARAM, None)


show_drafts = st.toggle("Show draft lessons (not yet reliable)", key="lesson_drafts", on_change=_drafts_toggled,
                        help="A lesson ships when its check fired on at least 4 of 5 seeds within 2 minutes of one "
                        "CPU core (bench/lessons.py). Drafts are still being tuned: they may not show their "
                        "phenomenon in your run.")
ids = lesson_ids(drafts=show_drafts)
titles = {lesson.id: lesson.title + (" (draft)" if lesson.draft else "") for lesson in lessons()}


def _chosen() -> None:
    st.query_params["lesson"] = st.session_state.lesson_pick
    st.query_params["step"] = "1"
    st.query_params.pop(RUNS_PARAM, None)


if ("lesson_pick" not in st.session_state or (asked and asked != st.session_state.lesson_pick)
        or st.session_state.lesson_pick not in ids):  # a draft was picked, then drafts hidden again
    st.session_state.lesson_pick = asked or ids[0]
lesson_id = st.selectbox("Lesson", ids, key="lesson_pick", format_func=titles.get, on_change=_chosen)
lesson = get_lesson(lesson_id)
if st.query_params.get("lesson") != lesson_id:
    st.query_params["lesson"] = lesson_id

n_steps = len(lesson.steps)
raw_step = st.query_params.get("step", "1")
try:
    step = int(raw_step)
    if not 1 <= step <= n_steps:
        raise ValueError
except ValueError:
    st.warning(f"Step {raw_step!r} is not a step of this lesson (1 to {n_steps}); showing step 1.")
    step = 1
st.query_params["step"] = str(step)



def _run_ids() -> dict[str, str]:
    raw = st.query_params.get(RUNS_PARAM, "")
    got = [r for r in raw.split(",") if r]
    return dict(zip((x.label for x in lesson.setups), got, strict=False)) if len(got) == len(lesson.setups) else {}


run_ids = _run_ids()

st.subheader(lesson.title)
if lesson.draft:
    st.warning(f"**Draft lesson**: its check does not yet fire reliably. {lesson.draft} Run it, and read the "
               "verdict: it says honestly whether the phenomenon showed this time.", icon=":material/science:")
st.markdown(f"**What you will see:** {lesson.goal}")
# Folded once the lesson's runs exist, so that on a projector the step and the charts it points at are on
# one screen; a click opens it again.
with st.expander("Why it happens, with the formula", expanded=not run_ids, icon=":material/function:"):
    st.markdown(lesson.explanation)
    st.caption("Students may change: " + ", ".join(f"`{k}`" for k in lesson.knobs) + " (on the Train page).")
st.markdown(f"**Expected:** {lesson.expected}")

# ---------------------------------------------------------------------------- steps
shown_step = lesson.steps[step - 1]
where = TARGETS.get(shown_step.points_at, "")
st.info(f"**Step {step} of {n_steps}.** {shown_step.text}" + (f"  \n*Look at {where}.*" if where else ""),
        icon=":material/school:")


def _go(k: int) -> None:
    st.query_params["step"] = str(k)


back, nxt, _ = st.columns([1, 1, 6])
back.button("Back", disabled=step <= 1, on_click=_go, args=(step - 1,), key="lesson_back")
nxt.button("Next", disabled=step >= n_steps, on_click=_go, args=(step + 1,), key="lesson_next")

# ---------------------------------------------------------------------------- runs
seed_col, steps_col, run_col, _ = st.columns([2, 2, 2, 2], vertical_alignment="bottom")
seed_col.number_input("Seed (A and B share it)", min_value=0, max_value=2**31 - 1, value=0, step=1, key="lesson_seed")
# Steps: the lesson's own by default; a teacher short of time (or a test) may run fewer, down to what its
# check needs to judge (lesson.min_step), or more when it did not show.
lesson_steps = max(int(x.config().steps) for x in lesson.setups)
steps_col.number_input("Steps per run", min_value=max(1, lesson.min_step), max_value=1_000_000,
                       value=max(lesson_steps, lesson.min_step), step=100, key=f"lesson_steps_{lesson.id}",
                       help=f"This lesson's runs train {lesson_steps:,} steps each; its check judges from step "
                            f"{lesson.min_step:,}.")


def _start() -> None:
    from gan_core.config import ConfigError
    from gan_core.manager import LimitError
    from ui.session import add_run, get_manager, session_owner

    manager, owner = get_manager(), session_owner()
    started = []
    try:
        for setup in lesson.setups:
            cfg = setup.config(seed=int(st.session_state.lesson_seed),
                               steps=int(st.session_state[f"lesson_steps_{lesson.id}"]))
            run = manager.submit(cfg, owner=owner, name=f"Lesson {lesson.id} {setup.label}")
            started.append(run.id)
            add_run(run.id)
    except (LimitError, ConfigError) as e:
        for run_id in started:  # half an A/B pair is no comparison
            manager.stop(run_id)
        st.session_state.lesson_error = str(e)
        return
    st.session_state.lesson_error = None
    st.query_params[RUNS_PARAM] = ",".join(started)


label = "Run A and B" if len(lesson.setups) == 2 else "Run"
run_col.button(label, type="primary", on_click=_start, key="lesson_run", icon=":material/play_arrow:")
if st.session_state.get("lesson_error"):
    st.error(st.session_state.lesson_error)
st.caption(" · ".join(f"**{x.label}**: {x.name}" for x in lesson.setups))


def _panel(polling: bool) -> None:
    from gan_core.run_view import snapshot
    from ui.ab_charts import share_y
    from ui.figures import metrics_figure, points_figure
    from ui.scores import alarm_banners, score_charts
    from ui.session import get_manager

    manager = get_manager()
    snaps = {lab: snapshot(rid, manager) for lab, rid in run_ids.items()}
    if any(v is None for v in snaps.values()):
        st.warning("This lesson's runs are not on this server any more; press Run to start them again.")
        return
    active = any((r := manager.get(rid)) is not None and r.active for rid in run_ids.values())
    if polling and not active:
        st.rerun()  # the runs ended: draw the page once more, without polling
    x_max = max(max(int(v.status.get("steps") or 1) for v in snaps.values()), 1)
    # The verdict first, under the step box: "read the check's verdict" needs no scrolling on a projector.
    results = {lab: RunResult(snap.columns, {**snap.status, "alarms": snap.alarms}) for lab, snap in snaps.items()}
    verdict = lesson.check(results)
    if verdict.detected is None and not active:
        st.warning(f"**The runs ended before the check could judge.** {verdict.message} Run more steps.",
                   icon=":material/help:")
    elif verdict.detected is None:
        st.caption(f"Check: {verdict.message}")
    elif verdict.detected:
        st.success(f"**It showed.** {verdict.message}", icon=":material/check_circle:")
    else:
        st.warning(f"**It did not show this time.** {verdict.message} Try: {lesson.try_next}",
                   icon=":material/help:")
    figs = {lab: metrics_figure(snap.columns, height=420) for lab, snap in snaps.items() if snap.columns.get("step")}
    share_y(list(figs.values()))
    cols = st.columns(len(snaps))
    for col, (lab, snap) in zip(cols, snaps.items(), strict=True):
        with col:
            status = snap.status
            st.markdown(f"**{lab}**: {next(x.name for x in lesson.setups if x.label == lab)}")
            st.progress(min(1.0, int(status.get("step") or 0) / x_max),
                        text=f"{status.get('state')} · step {int(status.get('step') or 0):,}")
            alarm_banners(snap.alarms)
            # the chart the step points at comes first: the samples, the metrics (losses, D outputs, ...) or the scores
            pointed = shown_step.points_at
            first = "metrics" if pointed in METRIC_TARGETS else "scores" if pointed == "scores" else "samples"
            order = [first] + [x for x in ("samples", "metrics", "scores") if x != first]
            places = dict(zip(order, (st.container(), st.container(), st.container()), strict=True))
            samples_at, metrics_at = places["samples"], places["metrics"]
            if snap.sample is not None and snap.sample.get("kind") == "points":
                samples_at.plotly_chart(points_figure(snap.sample["fake"], snap.sample["real"],
                                                      extent=snap.sample.get("extent", 1.6)), key=f"lesson_pts_{lab}")
            elif snap.sample is not None and snap.sample.get("kind") == "image":
                samples_at.image(snap.sample["png"], caption=f"G(fixed z) at step {snap.sample['step']:,}")
            if (fig := figs.get(lab)) is not None:
                fig.update_xaxes(range=[0, x_max])  # A and B on the same step axis
                metrics_at.plotly_chart(fig, key=f"lesson_metrics_{lab}")
            if any(k in snap.columns for k in ("fd_clf", "modes_covered")):  # the scores many checks read
                with places["scores"]:
                    score_charts(snap.columns, snap.scores, key=f"lesson_{lab}")


if run_ids:
    from ui.session import get_manager

    mgr = get_manager()
    live = any((r := mgr.get(rid)) is not None and r.active for rid in run_ids.values())
    if live:
        st.fragment(run_every=POLL_S)(_panel)(True)
    else:
        _panel(False)

# ---------------------------------------------------------------------------- questions
st.subheader("Questions")
shown = st.session_state.setdefault("lesson_answers", set())
for i, q in enumerate(lesson.questions):
    key = f"{lesson.id}:{i}"
    st.markdown(f"**{i + 1}.** {q.question}")
    if key in shown:
        st.success(q.answer)
    elif st.button("Show the answer", key=f"answer_{key}"):
        shown.add(key)
        st.rerun()
