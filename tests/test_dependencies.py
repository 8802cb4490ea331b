"""Dependencies carry the fixes the security checklist names (row 34)."""

from importlib.metadata import version

from packaging.version import Version


def test_flask_and_werkzeug_have_the_cookie_and_vary_fixes():
    assert Version(version("flask")) >= Version("3.1.3")  # CVE-2026-27205 (Vary: Cookie)
    assert Version(version("werkzeug")) >= Version("2.2.3")  # CVE-2023-23934 (cookie parsing)
