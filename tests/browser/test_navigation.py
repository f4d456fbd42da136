"""Readers can move between pages with the sidebars, on a phone and on a laptop.

Below 992 px the theme shows the table of contents and the page's outline as
drawers behind two buttons in the article header; above it the menu button
collapses the sidebar. Both used to do nothing (the themes bound their
handlers to a hidden copy of each button; tools/static/vg-nav.js forwards
the click). Screenshots of the open drawers go to test-artifacts/navigation/.
"""

from __future__ import annotations

import pytest

from .conftest import ARTIFACTS, toc_pages

PAGES = toc_pages()
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
START = "chapters/03_tanh"


def _page(browser, site, viewport):
    context = browser.new_context(viewport=viewport, service_workers="block")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = context.new_page()
    page.goto((site / f"{START}.html").as_uri())
    page.wait_for_load_state("load")
    return context, page


def test_phone_menu_opens_and_follows_a_link(browser, site):
    assert START in PAGES
    context, page = _page(browser, site, PHONE)
    toggle = page.locator("button.primary-toggle:visible").first
    toggle.click()
    drawer = page.locator("dialog#pst-primary-sidebar-modal")
    drawer.wait_for(state="visible", timeout=5_000)
    (ARTIFACTS / "navigation").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "navigation" / "phone-menu.png"))
    link = drawer.locator("a", has_text="ReLU").first
    assert link.is_visible(), "the drawer shows no link to chapter 5"
    link.click()
    page.wait_for_url("**/chapters/05_relu.html", timeout=10_000)
    context.close()


def test_phone_outline_opens(browser, site):
    context, page = _page(browser, site, PHONE)
    page.locator("button.secondary-toggle:visible").first.click()
    drawer = page.locator("dialog#pst-secondary-sidebar-modal")
    drawer.wait_for(state="visible", timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "navigation" / "phone-outline.png"))
    assert drawer.locator("a").count() > 2, "the outline drawer lists no sections"
    page.keyboard.press("Escape")
    drawer.wait_for(state="hidden", timeout=5_000)
    context.close()


def test_laptop_menu_button_collapses_the_sidebar(browser, site):
    context, page = _page(browser, site, LAPTOP)
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    page.locator("button.primary-toggle:visible").first.click()
    sidebar.wait_for(state="hidden", timeout=5_000)
    page.locator("button.primary-toggle:visible").first.click()
    sidebar.wait_for(state="visible", timeout=5_000)
    context.close()


def test_a_solution_title_opens_its_solution(browser, site):
    """Clicking "Solution to Exercise 3.1" opens the dropdown instead of jumping back to the exercise."""
    context, page = _page(browser, site, LAPTOP)
    solution = page.locator("div.solution").first
    assert "toggle-hidden" in (solution.get_attribute("class") or "")
    url = page.url
    solution.locator("p.admonition-title a").first.click()
    page.wait_for_timeout(300)
    assert "toggle-hidden" not in (solution.get_attribute("class") or "")
    assert page.url == url
    context.close()
