"""The collectivité's agents: who works in its console, their roles, invitations, passwords and
second factor (TOTP, recovery codes); the console's login and the administrators' agents page."""

from plateforme.hooks import set_admin_inviter
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
    set_admin_inviter(app, invite_first_admin)


def invite_first_admin(session, email: str) -> None:
    """The operators' onboarding: the same administrator and invitation as `flask tenants
    add-admin`, sent once the collectivité's session commits."""
    from tenants.access.rules import Role
    from tenants.agents import accounts
    from tenants.audit import journal
    from tenants.core.keys import current_keys

    accounts.invite(session, current_keys(), email, email, Role.ADMINISTRATEUR,
                    None, actor=journal.Actor(label="opérateurs de la plateforme"),
                    by_name="L'équipe de la plateforme")
