# Sourced by scripts/demo and scripts/test: a virtualenv in .venv with what the project needs,
# reinstalled only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "taxesejour : Python 3.11 ou plus récent est nécessaire." >&2
  return 1
}

ensure_venv() {  # $1: the extras to install ("" or "test")
  local extras="$1" python stamp want
  python=$(pick_python)
  if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv .venv; then
      echo "taxesejour : impossible de créer .venv ; sur Debian : sudo apt-get install python3-venv" >&2
      return 1
    fi
  fi
  stamp=".venv/.installed${extras:+-$extras}"
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "taxesejour : installation des dépendances dans .venv…" >&2
    if ! { .venv/bin/python -m pip install --upgrade pip &&
           .venv/bin/python -m pip install -e ".${extras:+[$extras]}"; } > .venv/install.log 2>&1; then
      cat .venv/install.log >&2
      return 1
    fi
    echo "$want" > "$stamp"
  fi
}
