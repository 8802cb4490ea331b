"""What every package of a collectivité shares: validation of what people type, time, files and
CSV, PDF, emails, keys, Markdown, navigation. No blueprint, no model; it imports the platform and
libraries only, so that any package may use it."""


def init_app(app) -> None:
    from tenants.core import (
        dates,
        forms,
        french,
        hostdata,
        markdown,
        money,
        navigation,
        pages,
        validation,
    )

    forms.speak_french(app)
    app.before_request(pages.refuse_nul_characters)
    app.add_template_filter(validation.format_phone, "phone")
    app.add_template_filter(money.french, "euros")
    app.add_template_filter(markdown.safe_markdown, "markdown")
    app.add_template_filter(dates.french_date, "french_date")
    app.add_template_filter(french.elide, "elide")
    app.add_template_filter(lambda day: day.strftime("%d/%m/%Y") if day else "", "short_date")
    navigation.init_app(app)
    hostdata.init_app(app)
