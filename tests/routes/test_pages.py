def test_health(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_index_is_html_with_a_favicon_that_exists(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'rel="icon" href="/static/favicon.svg"' in page.text
    assert client.get("/static/favicon.svg").status_code == 200


def test_openapi_documents_every_endpoint_with_examples(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/trace", "/api/v1/loss-slice", "/api/v1/presets", "/api/v1/presets/{name}",
            "/api/v1/health"} <= set(spec["paths"])
    for path in ("/api/v1/trace", "/api/v1/loss-slice"):
        body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body["examples"], path
    assert "TraceResponse" in spec["components"]["schemas"]


def test_api_documentation_loads_nothing_from_outside(client):
    import re
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_lab_page(client):
    page = client.get("/lab")
    assert page.status_code == 200
    assert '<script type="module" src="/static/js/lab/page.js">' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
