"""Lessons page: a guided experiment (gan_core.lessons) - what the class will see and why, one click to
run its configuration(s) on the real engine (A and B side by side, same seed), the steps with Next and
Back, the check's verdict from the runs' own metrics, and questions whose answers open on click.

Linkable: ?lesson=<id>&step=<k> (k from 1) opens a lesson at a step. The lesson's runs belong to this
session's owner in the RunManager like the Train page's (ui.session), so a reload finds them again; the
page remembers which runs are the lesson's in ?lesson_runs=<A id>,<B id>.

Language: the page's own text through `_()`, the lesson's texts (registry text, extracted into the
catalogue by ui/i18n_catalog.py) and the check's verdict (a Msg) through `tr()`.
"""

import streamlit as st

from gan_core.config import OPTIONS
from gan_core.lessons import get_lesson, lesson_ids, lessons
from gan_core.lessons.format import TARGETS, RunResult
from ui.i18n import _, tr
from ui.run_cards import STATE_NAMES

POLL_S = 1.0
RUNS_PARAM = "lesson_runs"
METRIC_TARGETS = ("losses", "d_outputs", "grad_norms", "lr")  # step targets (format.TARGETS) in the metrics chart

if st.query_params.get("run") and not st.query_params.get("lesson"):
    # A run link made while Train was the default page (/?run=<id>, the README's, a reload's): Lessons is the
    # default page now, so such a link lands here; it meant the Train page.
    st.switch_page("app_pages/train.py", query_params=st.query_params.to_dict())

st.title(_("Lessons"))
st.caption(_("Guided experiments: each one makes a textbook phenomenon happen on the real training engine, then "
             "checks from the run's own metrics whether it showed this time."))

# Drafts (Lesson.draft: not yet shown on >= 4 of 5 seeds) are listed only when asked for, or opened by a link.
asked = st.query_params.get("lesson")
if asked is not None and asked not in lesson_ids():
    st.error(_("There is no lesson {lesson!r}. Lessons: {ids}.").format(lesson=asked,
                                                                        ids=", ".join(lesson_ids(drafts=False))))
    asked = None
if asked is not None and get_lesson(asked).draft:
    st.session_state.lesson_drafts = True


def _drafts_toggled() -> None:
    shown = st.query_params.get("lesson")
    if not st.session_state.lesson_drafts and shown in lesson_ids() and get_lesson(shown).draft:
        st.query_params["lesson"] = lesson_ids(drafts=False)[0]  # hiding drafts leaves the draft shown
        st.query_params["step"] = "1"
        st.query_params.pop(RUNS_PARAM, None)


show_drafts = st.toggle(_("Show draft lessons (not yet reliable)"), key="lesson_drafts", on_change=_drafts_toggled,
                        help=_("A lesson ships when its check fired on at least 4 of 5 seeds within 2 minutes of "
                               "one CPU core (bench/lessons.py). Drafts are still being tuned: they may not show "
                               "their phenomenon in your run."))
ids = lesson_ids(drafts=show_drafts)
titles = {lesson.id: _("{title} (draft)").format(title=tr(lesson.title)) if lesson.draft else tr(lesson.title)
          for lesson in lessons()}


def _chosen() -> None:
    st.query_params["lesson"] = st.session_state.lesson_pick
    st.query_params["step"] = "1"
    st.query_params.pop(RUNS_PARAM, None)


if ("lesson_pick" not in st.session_state or (asked and asked != st.session_state.lesson_pick)
        or st.session_state.lesson_pick not in ids):  # a draft was picked, then drafts hidden again
    st.session_state.lesson_pick = asked or ids[0]
lesson_id = st.selectbox(_("Lesson"), ids, key="lesson_pick", format_func=titles.get, on_change=_chosen,
                         placeholder=_("Choose an option"))
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
    st.warning(_("Step {step!r} is not a step of this lesson (1 to {n}); showing step 1.").format(step=raw_step,
                                                                                                 n=n_steps))
    step = 1
st.query_params["step"] = str(step)



def _run_ids() -> dict[str, str]:
    raw = st.query_params.get(RUNS_PARAM, "")
    got = [r for r in raw.split(",") if r]
    return dict(zip((x.label for x in lesson.setups), got, strict=False)) if len(got) == len(lesson.setups) else {}


run_ids = _run_ids()

st.subheader(tr(lesson.title))
if lesson.draft:
    st.warning(_("**Draft lesson**: its check does not yet fire reliably. {draft} Run it, and read the verdict: it "
                 "says honestly whether the phenomenon showed this time.").format(draft=tr(lesson.draft)),
               icon=":material/science:")
st.markdown(_("**What you will see:** {goal}").format(goal=tr(lesson.goal)))
# Folded once the lesson's runs exist, so that on a projector the step and the charts it points at are on
# one screen; a click opens it again.
with st.expander(_("Why it happens, with the formula"), expanded=not run_ids, icon=":material/function:"):
    st.markdown(tr(lesson.explanation))
    if lesson.knobs:  # a walk lesson has none: it trains nothing
        st.caption(_("Students may change: {knobs} (on the Train page).").format(
            knobs=_(", ").join(_("{label} (`{id}`)").format(label=tr(OPTIONS.label(k)), id=k) for k in lesson.knobs)))
st.markdown(_("**Expected:** {expected}").format(expected=tr(lesson.expected)))

# ---------------------------------------------------------------------------- steps
shown_step = lesson.steps[step - 1]
where = TARGETS.get(shown_step.points_at, "")
step_text = _("**Step {step} of {n}.** {text}").format(step=step, n=n_steps, text=tr(shown_step.text))
if where:
    step_text += "  \n" + _("*Look at {where}.*").format(where=tr(where))
st.info(step_text, icon=":material/school:")


def _go(k: int) -> None:
    st.query_params["step"] = str(k)


back, nxt, _spare = st.columns([1, 1, 6])
back.button(_("Back"), disabled=step <= 1, on_click=_go, args=(step - 1,), key="lesson_back")
nxt.button(_("Next"), disabled=step >= n_steps, on_click=_go, args=(step + 1,), key="lesson_next")

# ---------------------------------------------------------------------------- questions
def _questions() -> None:
    st.subheader(_("Questions"))
    shown = st.session_state.setdefault("lesson_answers", set())
    for i, q in enumerate(lesson.questions):
        key = f"{lesson.id}:{i}"
        st.markdown(f"**{i + 1}.** {tr(q.question)}")
        if key in shown:
            st.success(tr(q.answer))
        elif st.button(_("Show the answer"), key=f"answer_{key}"):
            shown.add(key)
            st.rerun()


if lesson.walk is not None:  # a walk through a shipped model: nothing to train, so no runs (ui/lesson_walk.py)
    from ui.lesson_walk import walk_section

    walk_section(lesson)
    _questions()
    st.stop()

# ---------------------------------------------------------------------------- runs
seed_col, steps_col, run_col, _spare = st.columns([2, 2, 2, 2], vertical_alignment="bottom")
seed_col.number_input(_("Seed (A and B share it)"), min_value=0, max_value=2**31 - 1, value=0, step=1,
                      key="lesson_seed")
# Steps: the lesson's own by default; a teacher short of time (or a test) may run fewer, down to what its
# check needs to judge (lesson.min_step), or more when it did not show.
lesson_steps = max(int(x.config().steps) for x in lesson.setups)
steps_col.number_input(_("Steps per run"), min_value=max(1, lesson.min_step), max_value=1_000_000,
                       value=max(lesson_steps, lesson.min_step), step=100, key=f"lesson_steps_{lesson.id}",
                       help=_("This lesson's runs train {steps:,} steps each; its check judges from step "
                              "{min_step:,}.").format(steps=lesson_steps, min_step=lesson.min_step))


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
            name = _("Lesson {id} {label}").format(id=lesson.id, label=setup.label)  # in the starter's language
            run = manager.submit(cfg, owner=owner, name=name)
            started.append(run.id)
            add_run(run.id)
    except (LimitError, ConfigError) as e:
        for run_id in started:  # half an A/B pair is no comparison
            manager.stop(run_id)
        st.session_state.lesson_error = e  # shown through tr(): a Msg in the reader's language
        return
    st.session_state.lesson_error = None
    st.query_params[RUNS_PARAM] = ",".join(started)


label = _("Run A and B") if len(lesson.setups) == 2 else _("Run A")  # "Run" alone is the noun (a run)
run_col.button(label, type="primary", on_click=_start, key="lesson_run", icon=":material/play_arrow:")
if st.session_state.get("lesson_error"):
    st.error(tr(st.session_state.lesson_error))
st.caption(" · ".join(_("**{label}**: {name}").format(label=x.label, name=tr(x.name)) for x in lesson.setups))


def _panel(polling: bool) -> None:
    from gan_core.run_view import snapshot
    from ui.ab_charts import share_y
    from ui.figures import metrics_figure, points_figure
    from ui.scores import alarm_banners, score_charts
    from ui.session import get_manager

    manager = get_manager()
    snaps = {lab: snapshot(rid, manager) for lab, rid in run_ids.items()}
    if any(v is None for v in snaps.values()):
        st.warning(_("This lesson's runs are not on this server any more; press Run to start them again."))
        return
    active = any((r := manager.get(rid)) is not None and r.active for rid in run_ids.values())
    if polling and not active:
        st.rerun()  # the runs ended: draw the page once more, without polling
    x_max = max(max(int(v.status.get("steps") or 1) for v in snaps.values()), 1)
    # The verdict first, under the step box: "read the check's verdict" needs no scrolling on a projector.
    results = {lab: RunResult(snap.columns, {**snap.status, "alarms": snap.alarms}) for lab, snap in snaps.items()}
    verdict = lesson.check(results)
    message = tr(verdict.message)
    if verdict.detected is None and not active:
        st.warning(_("**The runs ended before the check could judge.** {message} Run more steps.").format(
            message=message), icon=":material/help:")
    elif verdict.detected is None:
        st.caption(_("Check: {message}").format(message=message))
    elif verdict.detected:
        st.success(_("**It showed.** {message}").format(message=message), icon=":material/check_circle:")
    else:
        st.warning(_("**It did not show this time.** {message} Try: {try_next}").format(
            message=message, try_next=tr(lesson.try_next)), icon=":material/help:")
    figs = {lab: metrics_figure(snap.columns, height=420) for lab, snap in snaps.items() if snap.columns.get("step")}
    share_y(list(figs.values()))
    cols = st.columns(len(snaps))
    for col, (lab, snap) in zip(cols, snaps.items(), strict=True):
        with col:
            status = snap.status
            st.markdown(_("**{label}**: {name}").format(label=lab,
                                                        name=tr(next(x.name for x in lesson.setups if x.label == lab))))
            state = str(status.get("state"))
            st.progress(min(1.0, int(status.get("step") or 0) / x_max),
                        text=_("{state} · step {step:,}").format(state=tr(STATE_NAMES.get(state, state)),
                                                                 step=int(status.get("step") or 0)))
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
                samples_at.image(snap.sample["png"], caption=_("G(fixed z) at step {step:,}").format(
                    step=snap.sample["step"]))
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
_questions()
