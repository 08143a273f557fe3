"""The API documentation works offline, under its own Content-Security-Policy."""

from playwright.sync_api import expect


def test_the_api_docs_render_with_no_violation(watched, base_url):
    page = watched.page
    page.goto(base_url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("backprop-viz")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    page.locator("#operations-engine-trace_api_v1_trace_post, .opblock-post").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
