"""Identity for both audiences of a collectivité (hosts, agents): passwords, throttling,
server-side sessions and remembered browsers, the request's person (Flask-Login), and every
access rule a view declares."""


def init_app(app) -> None:
    from tenants.access import identity

    identity.init_app(app)
