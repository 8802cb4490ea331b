"""What every package of a collectivité shares: validation of what people type, time, files and
CSV, PDF, emails, keys, Markdown, navigation. No blueprint, no model; it imports the platform and
libraries only, so that any package may use it."""


def init_app(app) -> None:
    from tenants.core import markdown, money, navigation, validation

    app.add_template_filter(validation.format_phone, "phone")
    app.add_template_filter(money.french, "euros")
    app.add_template_filter(markdown.safe_markdown, "markdown")
    navigation.init_app(app)
