def test_health_answers_ok_with_the_database(client, db):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["X-Request-ID"]


def test_openapi_and_docs_are_served_without_cdn(client, db):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert "/api/health" in spec.json()["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "cdn" not in body.lower() and "https://" not in body
