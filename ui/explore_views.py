"""Explore page views: the gallery with its sliders, the interpolation strip and GIFs, style mixing.

Only the chosen view runs, so a slider move costs one forward pass of G for the grid on screen
(64 images plus the chosen seed, in one batch), one grid picture and one PNG; model loading and
the GANSpace PCA come from `st.cache_resource` (ui/explore_source.py).

Widget keys start with "exk_": app_pages/explore.py keeps them when a view is hidden, so switching
views and back keeps the sliders where they were. Defaults are put in session_state before the
widget is made (never both a default and a session value, which Streamlit warns about).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from gan_core.latent import (
    INTERP_MODES,
    Directions,
    axis_directions,
    bf16_fast,
    gif_bytes,
    interpolation_path,
    random_directions,
    render_gallery,
)
from gan_core.messages import Msg
from gan_core.sampling import png_bytes, points_image
from ui.explore_source import FACT_NAMES, PCA_K, Explorable, pca_cached
from ui.i18n import _, tr
from ui.metric_labels import format_value, label, metric
from ui.option_widgets import number_error

MAX_SEED = 2**31 - 1
# A model card's scores worth reading in the sidebar, most telling first (readable labels; the raw
# keys, the KID spread and the sample counts stay in the card's JSON).
SHOWN_SCORES = ("fd_clf", "precision", "recall", "classes_covered", "modes_covered", "hq_pct", "kl", "inception_fid")
IN_TURN = -1  # class choice: sample i gets class i mod K
DIRECTION_KINDS = ("PCA", "z axes", "Random")  # ids (session state); KIND_NAMES: what the control shows
KIND_NAMES = {"PCA": Msg("PCA"), "z axes": Msg("z axes"), "Random": Msg("Random")}
MODE_NAMES = {"linear": Msg("linear"), "slerp": Msg("slerp")}  # gan_core.latent.INTERP_MODES as people read them
MAX_SLIDERS = 8
AMOUNT = 3.0  # sliders move +-3 standard deviations
SINGLE_PX = 224  # the chosen seed's image is upscaled (nearest neighbour) to about this size
GIF_PX = 128  # each GIF frame's images are upscaled to about this size


def _scale(ex: Explorable, px: int) -> int:
    return max(1, px // ex.sample_shape[-1])




def _default(key: str, value) -> None:
    st.session_state.setdefault(key, value)


@dataclass
class Settings:
    psi: float
    cls: int | None  # None: unconditional; IN_TURN; or a class index
    bf16: bool = False  # G under bfloat16 autocast ("fast preview")

    def labels(self, ex: Explorable, n: int) -> torch.Tensor | None:
        if not ex.model.conditional:
            return None
        if self.cls == IN_TURN:
            return torch.arange(n) % ex.model.num_classes
        return torch.full((n,), int(self.cls or 0), dtype=torch.long)


def parse_seeds(text: str, what: str, lo: int = 2, hi: int = 16) -> list[int]:
    """'3, 7 12' -> [3, 7, 12]; refuses anything else with a message saying what is allowed (in the
    session's language; `what` is the box's label, already translated)."""
    parts = [p for p in text.replace(",", " ").split() if p]
    try:
        seeds = [int(p) for p in parts]
    except ValueError:
        raise ValueError(_("{what}: write whole numbers separated by commas or spaces (e.g. 0, 1, 2), got {text!r}")
                         .format(what=what, text=text)) from None
    if not lo <= len(seeds) <= hi:
        raise ValueError(_("{what}: give {lo} to {hi} seeds, got {n}").format(what=what, lo=lo, hi=hi, n=len(seeds)))
    bad = [s for s in seeds if not 0 <= s <= MAX_SEED]
    if bad:
        raise ValueError(_("{what}: seeds must be in 0..{most}, got {bad}").format(what=what, most=MAX_SEED, bad=bad))
    return seeds


# ------------------------------------------------------------------------------------- sidebar
def sidebar_settings(ex: Explorable) -> Settings:
    """Class selector (conditional models) and truncation psi, shared by every view."""
    m = ex.model
    cls = None
    if m.conditional:
        options = [IN_TURN, *range(m.num_classes)]
        if st.session_state.get("exk_class") not in options:
            st.session_state["exk_class"] = IN_TURN
        # "Class label", not "Class": the navigation's "Class" is the class-teaching page (课堂), this a label y (类别)
        cls = st.selectbox(_("Class label"), options, key="exk_class", placeholder=_("Choose an option"),
                           format_func=lambda c: _("Each class in turn") if c == IN_TURN else
                           f"{c}: {tr(m.class_names[c])}",
                           help=_("The label y fed to G(z, y). 'Each class in turn' gives sample i the class i mod K "
                                  "(one row per class in the interpolation strip)."))
    _default("exk_psi", 1.0)
    trick = (_("w' = mean w + psi (w - mean w), in the style space") if m.style
             else _("z' = psi z (the mean of z is 0)"))
    psi = st.slider(_("Truncation psi"), 0.0, 1.5, key="exk_psi", step=0.05,
                    help=_("The truncation trick: {formula}. psi = 1: untouched; psi < 1 trades variety for typical, "
                           "cleaner samples; psi = 0 gives every seed the average sample; psi > 1 exaggerates.")
                    .format(formula=trick))
    bf16 = False
    if ex.kind == "image" and bf16_fast():
        _default("exk_bf16", False)
        bf16 = st.toggle(_("Fast preview (bfloat16)"), key="exk_bf16",
                         help=_("Runs G's convolutions in bfloat16, which this CPU does natively: faster redraws, "
                                "slightly different pixels (bench/explore_latency.py --bf16 measures both)."))
        if bf16:
            err = bf16_error_cached(ex.key, ex)
            st.caption(_("Largest difference from float32 on 64 samples: {levels:.1f} grey levels of 255.").format(
                levels=err * 127.5))
    return Settings(psi=float(psi), cls=cls, bf16=bool(bf16))


@st.cache_resource(max_entries=32, show_spinner=False)
def bf16_error_cached(key: str, _ex: Explorable) -> float:
    return _ex.model.bf16_error()


def model_facts(ex: Explorable) -> None:
    st.caption(tr(ex.title))
    st.caption(" · ".join(_("{name}: {value}").format(name=tr(FACT_NAMES.get(k, k)), value=tr(v) if isinstance(
        v, Msg) else v) for k, v in ex.facts.items()))
    if ex.command:
        st.code(ex.command, language="bash", wrap_lines=True)
    shown = [k for k in SHOWN_SCORES
             if isinstance(ex.scores.get(k), (int, float)) and not isinstance(ex.scores[k], bool)]
    if shown:
        scores = " · ".join(f"{tr(label(k))} {format_value(k, ex.scores[k])}" for k in shown)
        st.caption(_("Scores: {scores}").format(scores=scores),
                   help=_("; ").join(_("{name}: {value}").format(name=tr(label(k)), value=tr(metric(k).help))
                                     for k in shown))


def _int_box(container, label: str, lo: int, hi: int, key: str, help: str | None = None) -> int | None:
    """A whole number from lo to hi typed into a box (its default already in session_state), or None
    with the reason under the box. The box has no min/max of its own: with them the browser keeps
    the previous value and only outlines the box in red, a silent substitution (issue 15)."""
    value = container.number_input(label, step=1, key=key, help=help)
    err = number_error(label, value, lo, hi, integer=True)
    if err:
        container.error(err)
        return None
    return int(value)


# ------------------------------------------------------------------------------------- gallery
def _directions(ex: Explorable) -> tuple[Directions, list[str]] | None:
    """The chosen kind of direction, its count, and the slider keys."""
    m = ex.model
    _default("exk_dirkind", DIRECTION_KINDS[0])
    kind = st.segmented_control(_("Move along"), DIRECTION_KINDS, key="exk_dirkind", required=True,
                                format_func=lambda k: tr(KIND_NAMES[k]),
                                help=_("PCA: the principal directions of G's first-layer features (or of w for the "
                                       "style-based G), found from 2,048 latents (GANSpace, Harkonen et al. 2020); "
                                       "z axes: single coordinates of z; random: random orthonormal directions of z."))
    if kind == "z axes":
        _default("exk_dims", list(range(min(4, m.latent_dim))))
        dims = st.multiselect(_("Dimensions of z"), list(range(m.latent_dim)), key="exk_dims",
                              max_selections=MAX_SLIDERS, help=_("Each chosen coordinate z_i gets a slider."),
                              placeholder=_("Choose dimensions"))
        d = axis_directions(m.latent_dim, dims)
        keys = [f"exk_amt_z{i}" for i in dims]
    elif kind == "Random":
        c1, c2 = st.columns(2)
        # one box per upper bound: a model with fewer dimensions starts from its own default rather
        # than showing an error for a number typed for another model
        most = min(MAX_SLIDERS, m.latent_dim)
        _default(f"exk_nrand{most}", min(4, most))
        _default("exk_randseed", 0)
        k = _int_box(c1, _("How many"), 1, most, f"exk_nrand{most}")
        seed = _int_box(c2, _("Direction seed"), 0, MAX_SEED, "exk_randseed",
                        help=_("Another seed draws other random directions."))
        if k is None or seed is None:
            return None
        d = random_directions(k, m.latent_dim, seed=seed)
        keys = [f"exk_amt_r{seed}_{i}" for i in range(int(k))]
    else:
        with st.spinner(_("Finding principal directions (GANSpace PCA)...")):  # (shown only if it takes a while)
            d = pca_cached(ex.key, ex, PCA_K)
        top = min(MAX_SLIDERS, d.vectors.shape[0])
        _default(f"exk_npca{top}", min(4, top))  # one box per upper bound, as above
        k = _int_box(st, _("How many principal directions"), 1, top, f"exk_npca{top}")
        if k is None:
            return None
        d = Directions(d.vectors[: int(k)], d.scale[: int(k)], d.space, d.explained[: int(k)], d.labels[: int(k)])
        keys = [f"exk_amt_pc{i}" for i in range(int(k))]
    return d, keys


def _reset(keys: list[str]) -> None:
    for k in keys:
        st.session_state[k] = 0.0


def gallery_view(ex: Explorable, s: Settings) -> None:
    m = ex.model
    points = ex.kind == "points"
    c1, c2, c3, c4 = st.columns(4)
    _default("exk_seed0", 0)
    _default("exk_n", 512 if points else 64)
    _default("exk_a", 0)
    _default("exk_b", 1)
    sizes = [128, 512, 2048] if points else [16, 36, 64]
    if st.session_state.get("exk_n") not in sizes:
        st.session_state["exk_n"] = sizes[-1] if not points else 512
    n = int(c2.select_slider(_("Samples"), sizes, key="exk_n"))
    # the first seed's box is drawn knowing n: the gallery's last seed must be a seed too
    seed0 = _int_box(c1, _("First seed"), 0, MAX_SEED - n + 1, "exk_seed0",
                     help=_("The gallery shows the seeds from this one on, left to right, top to bottom."))
    a = _int_box(c3, _("Seed A"), 0, MAX_SEED, "exk_a", help=_("The seed shown large, and the start of the "
                                                               "interpolation (Interpolation view)."))
    b = _int_box(c4, _("Seed B"), 0, MAX_SEED, "exk_b", help=_("Where the interpolation ends."))

    left, right = st.columns([3, 2])
    with right:
        found = _directions(ex)
    if found is None or seed0 is None or a is None or b is None:
        left.warning(_("Nothing drawn: a number above is not allowed (see the message under its box)."))
        return
    d, keys = found
    with right:
        for i, key in enumerate(keys):
            _default(key, 0.0)
            name = tr(d.labels[i]) if d.labels else _("direction {i}").format(i=i + 1)
            if d.explained is not None:
                name = _("{name} ({pct:.1f}% of the variance)").format(name=name, pct=100 * float(d.explained[i]))
            st.slider(name, -AMOUNT, AMOUNT, step=0.1, key=key,
                      help=_("Standard deviations of the latents along this direction, added to every sample."))
        st.button(_("Reset the sliders"), on_click=_reset, args=(keys,), icon=":material/restart_alt:",
                  key="ex_reset", disabled=not keys)
    amounts = [float(st.session_state.get(k, 0.0)) for k in keys]
    offset = d.offset(amounts) if keys else None
    zo, wo = (offset, None) if d.space == "z" else (None, offset)

    seeds = list(range(seed0, seed0 + n))  # the chosen seed rides along in the same batch
    grid_png, one, x = render_gallery(m, seeds, a, y=s.labels(ex, n + 1), psi=s.psi, z_offset=zo, w_offset=wo,
                                      single_scale=_scale(ex, SINGLE_PX), bf16=s.bf16)
    with left:
        caption = (_("Seeds {first} to {last} (each point is one seed)") if points
                   else _("Seeds {first} to {last}, left to right, top to bottom"))
        st.image(grid_png, caption=caption.format(first=seed0, last=seed0 + n - 1), width="stretch",
                 output_format="PNG")
        st.download_button(_("Download the grid (PNG)"), grid_png, file_name=f"explore_grid_seed{seed0}.png",
                           mime="image/png", icon=":material/download:", key="ex_dl_grid")
    with right:
        if points:
            p = x[n].tolist()
            st.metric(_("Seed A = {a}").format(a=a), f"({p[0]:.3f}, {p[1]:.3f})")
        else:
            st.image(one, caption=_("Seed A = {a}").format(a=a), width="content", output_format="PNG")
            st.download_button(_("Download this image (PNG)"), one, file_name=f"explore_seed{a}.png", mime="image/png",
                               icon=":material/download:", key="ex_dl_one")
        st.button(_("Interpolate from seed A to seed B"), on_click=_goto, args=("Interpolation",), key="ex_go_interp",
                  icon=":material/linear_scale:")


def _goto(view: str) -> None:
    st.session_state["exk_view"] = view


# ------------------------------------------------------------------------------------- interpolation
def _rows(ex: Explorable, s: Settings) -> list[int | None]:
    if not ex.model.conditional:
        return [None]
    return list(range(ex.model.num_classes)) if s.cls == IN_TURN else [int(s.cls)]


def path_images(ex: Explorable, s: Settings, seeds: list[int], steps: int, mode: str, space: str,
                loop: bool) -> torch.Tensor:
    """Images along the path through `seeds`: (T, R, C, H, W) (R rows: one per class shown), or
    (T, 2) points. One forward pass of G for all of it."""
    m = ex.model
    rows = _rows(ex, s)
    z = m.seeds_to_z(seeds)
    if space == "w" and m.style:
        ws = []
        for y in rows:  # the path runs between the (truncated) w of the seeds, per class
            w = m.w_of(z, m.labels(y, len(seeds)), s.psi)
            ws.append(interpolation_path(w, steps, mode, loop))
        T = ws[0].shape[0]
        x = m.synthesize(torch.stack(ws, 1).flatten(0, 1), bf16=s.bf16)  # (T * R, C, H, W), time-major
        return x.view(T, len(rows), *x.shape[1:])
    pz = interpolation_path(z, steps, mode, loop)  # (T, d)
    T = pz.shape[0]
    if rows == [None]:
        x = m.generate(pz, None, psi=s.psi, bf16=s.bf16)
        return x if x.dim() == 2 else x[:, None]
    y = torch.tensor(rows).repeat(T)  # time-major: frame t holds every row
    x = m.generate(pz.repeat_interleave(len(rows), 0), y, psi=s.psi, bf16=s.bf16)
    return x.view(T, len(rows), *x.shape[1:]) if x.dim() == 4 else x


def _gif(ex: Explorable, frames: torch.Tensor, fps: float) -> bytes:
    if frames.dim() == 2:  # 2-D points: the trail of the point so far
        pts = frames.cpu().numpy()
        return gif_bytes([points_image(pts[: t + 1], extent=ex.model.extent(), size=240) for t in range(len(pts))], fps)
    return gif_bytes(frames, fps, scale=_scale(ex, GIF_PX), nrow=1)


def interpolation_view(ex: Explorable, s: Settings) -> None:
    m = ex.model
    c1, c2, c3, c4, c5 = st.columns(5)
    for k, v in (("exk_a", 0), ("exk_b", 1), ("exk_steps", 10), ("exk_mode", "slerp"), ("exk_fps", 12),
                 ("exk_space", "z")):
        _default(k, v)
    a = _int_box(c1, _("Seed A"), 0, MAX_SEED, "exk_a")
    b = _int_box(c2, _("Seed B"), 0, MAX_SEED, "exk_b")
    steps = int(c3.slider(_("Steps"), 2, 32, key="exk_steps", help=_("Images on the strip, both ends included.")))
    mode = c4.segmented_control(_("Path"), INTERP_MODES, key="exk_mode", required=True,
                                format_func=lambda mo: tr(MODE_NAMES.get(mo, mo)),
                                help=_("linear: (1 - t) a + t b, whose middle is shorter than a Gaussian z usually "
                                       "is; slerp: along the great circle from a to b, keeping the norm (Shoemake "
                                       "1985)."))
    fps = float(c5.slider(_("GIF frames/s"), 2, 30, key="exk_fps"))
    space = "z"
    if m.style:
        space = st.radio(_("Interpolate in"), ["z", "w"], key="exk_space", horizontal=True,
                         help=_("z: the input noise, mapped to w at every step; w: straight between the two styles "
                                "(what StyleGAN does: w space is less curved, so paths look more even)."))
    if a is None or b is None:
        st.warning(_("Nothing drawn: a seed above is not allowed (see the message under its box)."))
        return
    x = path_images(ex, s, [a, b], steps, mode, space, loop=False)
    if x.dim() == 2:
        strip_png = png_bytes(m.picture(x))
    else:
        strip_png = png_bytes(m.picture(x.transpose(0, 1).flatten(0, 1), nrow=steps))
    st.image(strip_png, caption=_("{mode} path from seed {a} to seed {b} in {space}, {steps} steps").format(
        mode=tr(MODE_NAMES.get(mode, mode)), a=a, b=b, space=space, steps=steps), width="stretch", output_format="PNG")
    gif = _gif(ex, path_images(ex, s, [a, b], steps, mode, space, loop=True), fps)
    g1, g2, _g3 = st.columns(3)
    g1.download_button(_("Download the strip (PNG)"), strip_png, file_name=f"interp_{a}_{b}.png", mime="image/png",
                       icon=":material/download:", key="ex_dl_strip")
    g2.download_button(_("Download the path as GIF (A → B → A)"), gif, file_name=f"interp_{a}_{b}.gif",
                       mime="image/gif", icon=":material/gif_box:", key="ex_dl_gif")
    with st.expander(_("Animated path (A → B → A)"), expanded=True):
        st.image(gif, caption=_("Loops forever"), width=256)

    st.subheader(_("Loop through several seeds"))
    _default("exk_loop", "0, 1, 2, 3")
    _default("exk_loop_steps", 12)
    l1, l2 = st.columns([3, 1])
    text = l1.text_input(_("Seeds"), key="exk_loop",
                         help=_("2 to 16 seeds; the GIF goes through them and back to the first."))
    per = int(l2.slider(_("Frames per segment"), 4, 30, key="exk_loop_steps"))
    try:
        seeds = parse_seeds(text, _("Loop seeds"))
    except ValueError as e:
        st.error(str(e))
        return
    params = (ex.key, tuple(seeds), per, mode, space, s.psi, s.cls, fps)
    if st.button(_("Make the loop GIF"), icon=":material/animation:", key="ex_make_loop"):
        with st.spinner(_("Rendering the loop...")):
            frames = path_images(ex, s, seeds, per + 1, mode, space, loop=True)
            st.session_state["ex_loop_gif"] = (params, _gif(ex, frames, fps))
    made = st.session_state.get("ex_loop_gif")
    if made and made[0] == params:
        st.image(made[1], caption=_("Loop through seeds {seeds}").format(seeds=", ".join(map(str, seeds))),
                 width=256)
        st.download_button(_("Download the loop GIF"), made[1], file_name="loop_" + "_".join(map(str, seeds)) + ".gif",
                           mime="image/gif", icon=":material/download:", key="ex_dl_loop")


# ------------------------------------------------------------------------------------- style mixing
def mixing_view(ex: Explorable, s: Settings) -> None:
    m = ex.model
    L = m.num_ws
    sizes = [int(layer.noise_const.shape[-1]) for layer in m.core.layers]
    _default("exk_mix_rows", "0, 1, 2")
    _default("exk_mix_cols", "10, 11, 12, 13")
    _default("exk_cross", max(1, L // 2))
    c1, c2 = st.columns(2)
    rows_txt = c1.text_input(_("Coarse styles from seeds (rows)"), key="exk_mix_rows")
    cols_txt = c2.text_input(_("Fine styles from seeds (columns)"), key="exk_mix_cols")
    k = int(st.slider(_("Crossover layer"), 1, L - 1, key="exk_cross",
                      help=_("Layers before it take the row seed's w (pose, shape: the low resolutions), the rest "
                             "the column seed's (texture, stroke, colour).")))
    st.caption(_("Layers 0 to {k0} ({a}x{a} to {b}x{b}) from the row seed, layers {k} to {last} ({c}x{c} to {d}x{d}) "
                 "from the column seed.").format(k0=k - 1, a=sizes[0], b=sizes[k - 1], k=k, last=L - 1, c=sizes[k],
                                                 d=sizes[-1]))
    try:
        rows = parse_seeds(rows_txt, _("Row seeds"), 1, 8)
        cols = parse_seeds(cols_txt, _("Column seeds"), 1, 8)
    except ValueError as e:
        st.error(str(e))
        return
    r, c = len(rows), len(cols)
    zr, zc = m.seeds_to_z(rows), m.seeds_to_z(cols)
    z = torch.cat([zr, zc, zr.repeat_interleave(c, 0)])
    mix = torch.cat([zr, zc, zc.repeat(r, 1)])  # sources mix with themselves: unchanged
    y = s.labels(ex, z.shape[0])
    x = m.generate(z, y, psi=s.psi, mix_z=mix, crossover=k, bf16=s.bf16)  # one forward pass
    blank = torch.ones_like(x[:1])  # white corner
    cells = [blank, x[r:r + c]]
    for i in range(r):
        cells += [x[i:i + 1], x[r + c + i * c: r + c + (i + 1) * c]]
    png = png_bytes(m.picture(torch.cat(cells), nrow=c + 1))
    st.columns([3, 2])[0].image(png, caption=_("Top row: the fine-style seeds; left column: the coarse-style seeds; "
                                               "inside: the mixes"), width="stretch", output_format="PNG")
    st.download_button(_("Download the mixing grid (PNG)"), png, file_name=f"style_mixing_k{k}.png", mime="image/png",
                       icon=":material/download:", key="ex_dl_mix")
