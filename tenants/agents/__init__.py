"""The collectivité's agents: who works in its console, their roles, invitations, passwords and
second factor (TOTP, recovery codes); the console's login and the administrators' agents page."""

from tenants.core.navigation import MenuEntry, add_menu_entry


def init_app(app) -> None:
    import tenants.agents.commands  # noqa: F401  (registers `flask tenants add-admin`)
    from tenants.access.identity import Audience, register_audience
    from tenants.agents import accounts, views_console
    from tenants.agents.models import Agent

    register_audience(app, Audience(name="agent", cookie_key="agent_auth", kind=accounts.KIND,
                                    person_model=Agent, blueprint_prefix="console"))
    for blueprint in views_console.blueprints:
        app.register_blueprint(blueprint)
    add_menu_entry(app, "console", MenuEntry("Agents", "console_agents.agent_list", 80,
                                             admin_only=True))
