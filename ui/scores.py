"""Train page pieces for scores and alarms: the settings in the sidebar, the alarm banners,
the live score charts and the latest class/mode histogram. The training thread computes the
scores (gan_core.metrics.monitor); these only read what it left in the run."""

from __future__ import annotations

from typing import Any

import streamlit as st

from gan_core.messages import from_doc
from gan_core.metrics.monitor import TENSORBOARD_HELP, tensorboard_available
from ui.i18n import _, tr
from ui.option_widgets import option_widget
from ui.score_figures import histogram_figure, score_figure


def score_settings(key_prefix: str = "cfg_") -> None:
    """Sidebar widgets for TrainConfig.score_every, .monitor, .early_stop and .tensorboard (values read by
    the config form)."""
    with st.expander(_("Scores & monitoring")):
        # no min/max (as every number of the form, ui.option_widgets): a bad entry is refused, not replaced
        option_widget("score_every", key_prefix)  # label, help and range from gan_core.config
        option_widget("monitor", key_prefix)  # what plateau decay, early stopping and the best checkpoint watch
        option_widget("early_stop", key_prefix)
        ok = tensorboard_available()
        if not ok and st.session_state.get(key_prefix + "tensorboard"):
            st.session_state[key_prefix + "tensorboard"] = False
        option_widget("tensorboard", key_prefix, disabled=not ok)
        if not ok:
            st.caption(_("{help}, then restart the app.").format(help=tr(TENSORBOARD_HELP)))


def alarm_banners(alarms: list[dict[str, Any]] | None) -> None:
    """One banner per alarm (newest first): what was seen, why it matters, what to try. In the session's
    language: the message from its stored template and numbers (`message_msg`, gan_core.metrics.alarms),
    the title, explanation and remedies looked up by their English (an alarm stored before the templates
    were shows its message in English)."""
    for a in reversed(alarms or []):
        level = a.get("level", "warning")
        box = {"error": st.error, "info": st.info}.get(level, st.warning)
        icon = {"error": ":material/error:", "info": ":material/info:"}.get(level, ":material/warning:")
        message = from_doc(a.get("message_msg"))
        text = _("**{title}** (step {step:,}): {message}").format(
            title=tr(a.get("title") or a.get("name")), step=a.get("step", 0),
            message=tr(message if message is not None else a.get("message", "")))
        if a.get("explanation"):
            text += "  \n" + tr(a["explanation"])
        box(text, icon=icon)
        if a.get("remedies"):
            with st.expander(_("What to try (from the training tutorials)")):
                st.markdown("\n".join(f"- {tr(r)}" for r in a["remedies"]))


def score_charts(cols: dict[str, list], latest: dict[str, Any] | None, key: str,
                 class_names: tuple[str, ...] | list[str] | None = None, kept: dict | None = None) -> None:
    """Live score panels and the latest histogram; a caption until the first scoring.
    `kept`: a dict that holds the score figure between polls of a live view (ui.session.live_figures)."""
    fig = score_figure(cols, reuse=kept.get("scores") if kept is not None else None)
    if kept is not None:
        kept["scores"] = fig
    class_names = class_names or (latest or {}).get("class_names")
    if fig is None:
        st.caption(_("Scores appear after the first scoring (every 'Score every N steps' steps; 0 = off)."))
        return
    st.plotly_chart(fig, key=f"scores_{key}")
    if latest and latest.get("class_hist"):
        st.plotly_chart(histogram_figure(latest["class_hist"], class_names,
                                         _("Predicted classes of generated images, step {step:,}").format(
                                             step=latest.get("step", 0))),
                        key=f"hist_{key}")
    elif latest and latest.get("mode_hist"):
        st.plotly_chart(histogram_figure(latest["mode_hist"], None,
                                         _("High-quality samples per mode, step {step:,}").format(
                                             step=latest.get("step", 0))),
                        key=f"hist_{key}")
    if any(k in cols for k in ("fd_clf", "kid_clf")):
        st.caption(_("FD and KID here are computed on the features of this dataset's small classifier "
                     "(pretrained/classifier-*.json), not on Inception's: they rank runs on the same dataset, and "
                     "are not comparable with published FIDs. `python -m gan_core eval` adds Inception FID/IS where "
                     "the Inception weights are available."))

