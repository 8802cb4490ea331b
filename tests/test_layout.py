"""The design card's layout, and the reason `platform/` is spelled `plateforme/`."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAXESEJOUR_", "DATABASE_"))}
    env.update({"TAXESEJOUR_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    env.update(extra)
    return env


def test_layout_has_the_cards_top_level():
    for name in ("wsgi.py", "plateforme", "tenants", "templates", "migrations", "tests",
                 "config", "pyproject.toml", "README.md", "ARCHITECTURE.md", ".ci/run"):
        assert (ROOT / name).exists(), name
    assert not (ROOT / "platform").exists()


def test_importing_wsgi_leaves_the_standard_platform_module_working(tmp_path):
    code = "import wsgi, platform; print(platform.python_implementation())"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "CPython"


def test_wsgi_exposes_an_application(tmp_path):
    code = "import wsgi; print(type(wsgi.app).__name__, wsgi.app.config['ENV_NAME'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["App", "test"], result.stderr
