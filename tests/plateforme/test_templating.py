"""A template rendered inside a page's rendering (`templating.inside`: a package's panel) takes
the values the context processors gave the page instead of running them again; values passed to
it still win, and anywhere else the processors run as in Flask."""

from flask import Flask, render_template_string
from jinja2 import pass_context

from plateforme import templating


class App(Flask):
    """As plateforme.routing.App (tests/tenants/core/test_navigation.py checks it on a page)."""

    def update_template_context(self, context):
        templating.update_context(self, context)


def counted_app():
    app = App(__name__)
    calls = []

    @app.context_processor
    def _counted():
        calls.append(1)
        return {"who": f"processor {len(calls)}", "shown": "processor"}

    @pass_context
    def panel(context):
        with templating.inside(context):
            return render_template_string("[{{ who }}|{{ shown }}]", shown="given")

    app.jinja_env.globals["panel"] = panel
    return app, calls


def test_a_panel_reuses_the_pages_processors_and_keeps_what_it_was_given():
    app, calls = counted_app()
    with app.test_request_context():
        html = render_template_string("{{ who }} {{ panel() }} {{ panel() }}")
    assert html == "processor 1 [processor 1|given] [processor 1|given]"
    assert len(calls) == 1


def test_elsewhere_the_processors_run_for_every_template():
    app, calls = counted_app()
    with app.test_request_context():
        assert render_template_string("{{ who }}") == "processor 1"
        assert render_template_string("{{ who }}|{{ shown }}", shown="given") == \
            "processor 2|given"
    with app.app_context():   # an email rendered by a task
        assert render_template_string("{{ who }}") == "processor 3"
