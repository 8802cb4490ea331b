"""The collectivité's console, under /admin/ on its own hosts."""


def init_app(app) -> None:
    from tenants.console import access, auth, content, hosts, library, views

    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(content.bp)
    app.register_blueprint(library.bp)
    app.register_blueprint(hosts.bp)
    access.init_app(app)
