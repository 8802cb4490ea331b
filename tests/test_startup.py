"""Start-up stays light (issue 15): building the application imports no heavy library.

Every process builds the application — each web worker, `flask --help`, every cron command —
and most never draw a QR code, check a password's strength, read a PDF or run a migration.
Those libraries are imported where they are used; this rule keeps them there. A rule, not a
timing: it runs `import wsgi` in a fresh interpreter and reads its `sys.modules`. In the same
spirit, a built application's worker gives back what each password check takes (19 MiB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

#: Imported only by the code that uses them (the cost each adds to every process, roughly).
HEAVY = (
    "zxcvbn",  # password strength: its dictionaries, ~20 ms and ~13 MB
    "qrcode",  # TOTP enrolment, with lxml
    "fpdf",  # PDFs (tenants/core/pdf.py), with fontTools and Pillow
    "alembic",  # migrations, with Mako and Pygments: ~0.3 s
    "flask_migrate",  # imports Alembic; `flask db` loads it when it runs (plateforme/migrate.py)
    "markdown_it",  # Markdown, rendered when a text is saved (tenants/core/markdown.py)
    "nh3",
    "redis",  # rate limits' storage, made on first use (plateforme/limits.py); jobs' queue
    "redis.asyncio",  # ~0.1 s by itself
    "rq",
    "email_validator",  # tenants/core/validation.py, plateforme/operators/accounts.py
    "phonenumbers",
    "eopayment",  # PayFiP's client
    "zeep",
    "PIL",  # logo uploads (tenants/collectivite/branding.py)
    "pypdf",  # document uploads (tenants/collectivite/documents.py), with fontTools
)


PROBE = """
import json, sys
import wsgi
print(json.dumps(sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules)))
"""


def _fresh_interpreter(tmp_path, code: str, *args: str) -> str:
    """`code` run by a new Python in a test environment; the last line it printed."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TAXESEJOUR_", "FLASK_", "MALLOC_"))}
    env.update(
        TAXESEJOUR_ENV="test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.db'}",
        TENANT_SQLITE_DIR=str(tmp_path / "tenants"),
        # A Redis nobody listens to: building the application must not even import its client.
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0",
        JOBS_BACKEND="rq",
        JOBS_REDIS_URL="redis://127.0.0.1:9/0",
    )
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_building_the_application_imports_no_heavy_library(tmp_path):
    assert json.loads(_fresh_interpreter(tmp_path, PROBE, json.dumps(list(HEAVY)))) == []


def test_the_written_out_dummy_hashes_are_real_hashes_of_the_current_parameters():
    """The hashes verified for an unknown account are written out (hashing them at import cost
    every process tens of milliseconds and 19 MiB): they must cost what a real check costs."""
    from plateforme.operators import security
    from tenants.access import passwords

    for module, password in ((passwords, "taxesejour-dummy-password-for-timing"),
                             (security, "taxesejour-dummy-operator-password")):
        assert module._hasher.verify(module._DUMMY_HASH, password)
        assert not module._hasher.check_needs_rehash(module._DUMMY_HASH)


MEMORY_PROBE = """
import wsgi
from tenants.access import passwords


def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


stored = passwords.hash_password("une phrase de passe pour la mesure")
before = rss_kib()
for _ in range(3):
    assert passwords.verify(stored, "une phrase de passe pour la mesure")
print(rss_kib() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, tunes glibc")
def test_a_worker_gives_a_password_checks_memory_back(tmp_path):
    """Each check takes 19 MiB (Argon2id): without plateforme/memory.py, glibc kept them after
    the second check, in every worker, for good."""
    assert int(_fresh_interpreter(tmp_path, MEMORY_PROBE)) < 4 * 1024
