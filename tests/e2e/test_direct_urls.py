"""Every URL goes through the router (app.py), not only the root.

Page scripts used to live in `pages/`, which Streamlit also serves as a legacy multipage app: a
direct URL such as /runs ran pages/runs.py without app.py, so that page sent no heartbeat (a run
could be stopped while it was open) and its sidebar listed file names ("toy lab", "app") instead
of the router's titles. The router's navigation ("2-D lab", no "app") proves app.py ran.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect

# url path -> the page's heading (the url path is the script's file name under app_pages/; / is Lessons, the
# default page, which /lessons also opens: the links a teacher shares, ?lesson=<id>&step=<k>)
DIRECT = {"": "Lessons", "train": "Train a GAN", "runs": "Runs", "compare": "Compare runs", "toy_lab": "2-D",
          "data": "Data", "gallery": "Gallery", "lessons": "Lessons", "class_view": "Class"}
TITLES = ["Lessons", "Train", "Runs", "Compare", "Explore", "Gallery", "Data", "2-D lab", "Class"]


@pytest.mark.parametrize("path", list(DIRECT))
def test_direct_url_runs_the_router(page, streamlit_server, path):
    page.goto(f"{streamlit_server['url']}/{path}")
    expect(page.locator("h1").first).to_contain_text(DIRECT[path], timeout=60_000)
    # an unknown path also shows the default page (Lessons), after a "Page not found" dialog
    expect(page.get_by_text("Page not found")).to_have_count(0)
    nav = page.get_by_test_id("stSidebarNav")
    links = [re.sub(r"^\S+\n+", "", t).strip() for t in nav.get_by_role("link").all_inner_texts()]
    assert links == TITLES, f"/{path}: the sidebar lists {links}, not the router's pages"
