"""The collectivité's console, under /admin/ on its own hosts."""


def init_app(app) -> None:
    from tenants.console import access, auth, content, library, views

    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(content.bp)
    app.register_blueprint(library.bp)
    access.init_app(app)
