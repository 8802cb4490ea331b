"""Menus are made of the entries packages register: the layouts name no feature."""

from tenants.core.navigation import MenuEntry, add_menu_entry


def nav(html: str, label: str) -> str:
    start = html.index(f'aria-label="{label}"')
    return html[start:html.index("</nav>", start)]


def test_the_hosts_menu_lists_the_registered_entries_in_order(logged_in):
    menu = nav(logged_in.get("/mon-compte").text, "Menu principal")
    labels = ["Tableau de bord", "Mon compte", "Mes documents", "Besoin d&#39;aide",
              "Se déconnecter"]
    positions = [menu.index(label) for label in labels]
    assert positions == sorted(positions)
    assert 'href="/mon-compte" aria-current="page"' in menu
    assert menu.count('aria-current="page"') == 1


def test_the_console_menu_shows_administrators_entries_to_administrators_only(as_admin,
                                                                             as_agent):
    admin_menu = nav(as_admin.get("/admin/").text, "Menu de la console")
    agent_menu = nav(as_agent.get("/admin/").text, "Menu de la console")
    for label in ("Paramètres", "Actualités", "CGU", "Confidentialité", "Documents", "Agents",
                  "Journal"):
        assert label in admin_menu and label not in agent_menu
    assert "Hébergeurs" in admin_menu and "Hébergeurs" in agent_menu
    assert 'href="/admin/textes/cgu" aria-current="page"' in nav(
        as_admin.get("/admin/textes/cgu").text, "Menu de la console")


def test_a_package_adds_its_entry_without_touching_the_layout(app, logged_in):
    add_menu_entry(app, "host", MenuEntry("Mes rendez-vous", "dashboard.index", 25))
    menu = nav(logged_in.get("/tableau-de-bord").text, "Menu principal")
    assert menu.index("Mon compte") < menu.index("Mes rendez-vous") < menu.index("Mes documents")
    assert menu.index("Mes déclarations") < menu.index("Mon compte")   # the declarations' own


def test_panels_do_not_run_the_context_processors_again(app, client, logged_in, monkeypatch):
    """Some context processors read the database: a page's panels take the page's values."""
    calls = []
    processors = app.template_context_processors
    monkeypatch.setitem(processors, None, [*processors[None], lambda: calls.append(1) or {}])
    html = logged_in.get("/tableau-de-bord").text
    assert 'id="mes-declarations"' in html and 'id="mes-paiements"' in html
    assert len(calls) == 1
    logged_in.logout()
    calls.clear()
    assert "Calculer la taxe de séjour" in client.get("/").text   # the tax's panel
    assert len(calls) == 1
