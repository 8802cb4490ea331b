"""The console's "Rester connecté(e)" (RGAA 13.1) goes through the agent's own session."""

import re


def test_an_agent_extends_their_console_session(as_agent):
    page = as_agent.get("/admin/").text
    assert 'data-session-extend="/admin/session/prolonger"' in page
    assert 'data-session-end="/admin/connexion"' in page
    response = as_agent.post("/admin/session/prolonger", page="/admin/",
                             headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json == {"ok": True}
    assert as_agent.post("/admin/session/prolonger", page="/admin/").status_code == 302


def test_a_host_session_does_not_extend_the_console(logged_in, tenant):
    page = logged_in.get("/tableau-de-bord").text
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    response = logged_in.post("/admin/session/prolonger", {"csrf_token": token}, csrf=False,
                              headers={"Accept": "application/json"})
    assert response.status_code == 302
    assert "/admin/connexion" in response.headers["Location"]
