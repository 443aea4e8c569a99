"""CORS: configured origins get preflights answered and responses readable; others do not."""

from __future__ import annotations

import pytest

from hmsdesk_graph.config import ConfigError, load_settings
from tests.ops.conftest import AppClient

WEB = "https://www.hmsdesk.example"
PREFLIGHT = {
    "Origin": WEB,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, x-access-purpose",
}
QUERY = {"query": "{ cities { slug } }"}


async def test_preflight_from_an_allowed_origin_is_answered(app_client: AppClient) -> None:
    async with app_client(cors_allow_origins=(WEB,)) as http:
        response = await http.options("/graphql", headers=PREFLIGHT)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == WEB
        allowed = response.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "x-access-purpose" in allowed
        assert "POST" in response.headers["access-control-allow-methods"]
        assert response.headers["access-control-max-age"] == "600"
        assert "x-request-id" in response.headers  # preflights are logged and counted too

        actual = await http.post("/graphql", json=QUERY, headers={"Origin": WEB})
        assert actual.status_code == 200
        assert actual.headers["access-control-allow-origin"] == WEB
        assert "x-request-id" in actual.headers["access-control-expose-headers"].lower()
        assert "access-control-allow-credentials" not in actual.headers


async def test_other_origins_and_methods_are_refused(app_client: AppClient) -> None:
    async with app_client(cors_allow_origins=(WEB,)) as http:
        evil = await http.options(
            "/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example"}
        )
        assert evil.status_code == 400
        assert "access-control-allow-origin" not in evil.headers
        delete = await http.options(
            "/graphql", headers={**PREFLIGHT, "Access-Control-Request-Method": "DELETE"}
        )
        assert delete.status_code == 400
        plain = await http.post("/graphql", json=QUERY, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in plain.headers


async def test_no_origins_configured_means_no_cors_headers(app_client: AppClient) -> None:
    async with app_client() as http:
        response = await http.post("/graphql", json=QUERY, headers={"Origin": WEB})
        assert "access-control-allow-origin" not in response.headers
        preflight = await http.options("/graphql", headers=PREFLIGHT)
        assert "access-control-allow-origin" not in preflight.headers


def test_settings_parse_lists_and_refuse_non_origins() -> None:
    settings = load_settings(
        {
            "HMSDESK_CORS_ALLOW_ORIGINS": f"{WEB}, https://partners.hmsdesk.example:8443",
            "HMSDESK_CORS_ALLOW_METHODS": "GET,POST,OPTIONS",
            "HMSDESK_CORS_ALLOW_HEADERS": "Authorization,Content-Type",
            "HMSDESK_CORS_MAX_AGE_S": "60",
        }
    )
    assert settings.cors_allow_origins == (WEB, "https://partners.hmsdesk.example:8443")
    assert settings.cors_allow_methods == ("GET", "POST", "OPTIONS")
    assert settings.cors_max_age_s == 60
    with pytest.raises(ConfigError, match="HMSDESK_CORS_ALLOW_ORIGINS"):
        load_settings({"HMSDESK_CORS_ALLOW_ORIGINS": "https://x.example/path"})
    with pytest.raises(ConfigError, match="HMSDESK_CORS_ALLOW_HEADERS"):
        load_settings({"HMSDESK_CORS_ALLOW_HEADERS": "X-Bad Header"})
