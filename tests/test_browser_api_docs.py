"""The API reference at /api/docs reads on a phone: every operation with its answers and examples, from
the app itself with nothing loaded from another host."""
import pytest

from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_the_api_reference_reads_on_a_phone_and_loads_nothing_from_elsewhere(phone_page, live_server):
    hosts = set()
    phone_page.page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    phone_page.goto("/api/docs")
    assert phone_page.page.get_by_role("heading", name="POST /api/v1/clients", exact=True).is_visible()
    phone_page.snap("reference")
    phone_page.page.get_by_role("link", name="POST /api/v1/clients", exact=True).click()
    section = phone_page.page.locator("#post--api-v1-clients")
    section.get_by_text("422 Unprocessable Entity").click()
    assert "Enter the client's name." in section.inner_text()
    phone_page.snap_at(section.get_by_text("422 Unprocessable Entity"), "problem-example")
    assert hosts == {live_server.split("/")[2]}
