"""Data page: preview any dataset before training, with the same chooser as the Train page.

Shows a grid of real samples (or the scatter of 2-D points), the count per class, the sample
shape, the value range and the memory the prepared dataset needs on the training device; a
dataset that would not fit, or a bad file, is reported with st.error (never a traceback).
"""

import streamlit as st

from gan_core.config import TrainConfig
from gan_core.data import DataError, DataOptions, format_bytes, preview
from gan_core.engine import resolve_device
from gan_core.sampling import grid_image, png_bytes
from ui.data_figures import class_counts_figure, points_scatter_figure
from ui.data_form import dataset_form
from ui.i18n import _, tr

st.title(_("Data"))
st.caption(_("Look at a dataset before training on it: the same sources and preprocessing as the Train page."))

with st.sidebar:
    st.header(_("Dataset"))
    values, form_error = dataset_form("data_", data_dir=TrainConfig().data_dir)

if form_error:
    st.error(form_error)
    st.stop()

opts = DataOptions(**values, data_dir=TrainConfig().data_dir)
device = resolve_device("auto")
try:
    with st.spinner(_("Reading {dataset} ...").format(dataset=opts.dataset)):
        pv = preview(opts, device=device)
except DataError as e:
    st.error(tr(e))
    st.stop()
except Exception as e:
    st.error(_("Could not read {dataset}: {error}").format(dataset=opts.dataset, error=f"{type(e).__name__}: {e}"))
    st.stop()

shape_txt = " x ".join(map(str, pv.shape))
c = st.columns(4)
c[0].metric(_("Samples"), f"{pv.n:,}")
c[1].metric(_("Sample shape"), shape_txt, help=_("(channels, height, width) for images, (x, y) for points"))
c[2].metric(_("Memory (float32)"), format_bytes(pv.nbytes), help=_("N x C x H x W x 4 bytes: the whole prepared "
            "dataset lives as one tensor on the training device."))
c[3].metric(_("Free on {device}").format(device=pv.device),
            format_bytes(pv.available) if pv.available is not None else _("unknown"))
if pv.memory_error:
    st.error(_("This dataset cannot be trained on here: {reason}").format(reason=tr(pv.memory_error)))
st.caption(_("Source: {source}").format(source=tr(pv.source)))
for note in pv.notes:
    st.info(tr(note))

left, right = st.columns([3, 2])
with left:
    if pv.kind == "image":
        st.image(png_bytes(grid_image(pv.samples)),
                 caption=_("{n} random real samples, as G must draw them").format(n=len(pv.samples)))
    else:
        labels = pv.sample_labels.numpy() if pv.sample_labels is not None else None
        st.plotly_chart(points_scatter_figure(pv.samples.numpy(), labels, pv.extent), key="data_points")
        st.caption((_("{n:,} random points, coloured by mode") if labels is not None else _("{n:,} random points"))
                   .format(n=len(pv.samples)))
with right:
    st.markdown(_("**Value range** {low:.3f} to {high:.3f} (over {n:,} random samples)").format(
        low=pv.value_min, high=pv.value_max, n=pv.range_of))
    if pv.kind == "image":
        st.caption(_("Images are scaled linearly to [-1, 1], the range of G's Tanh output."))
    if pv.counts is not None:
        st.markdown(_("**Samples per class**"))
        st.plotly_chart(class_counts_figure(pv.counts, [tr(n) for n in pv.class_names], y_title=_("samples")),
                        key="data_counts")
    else:
        st.caption(_("No class labels (for your own images: put each class in its own sub-folder)."))
