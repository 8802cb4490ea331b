"""Build plateforme/data/communes.json.gz from Etalab's `@etalab/decoupage-administratif`.

Run by `scripts/communes` (which `npm pack`s the package); by hand:

    python3 scripts/build_communes.py UNPACKED_PACKAGE_DIR plateforme/data/communes.json.gz

Standard library only: the application reads the extract and never needs Node. The extract
keeps what the platform uses (the current communes, the départements and regions, the EPCIs with
their members) in positional rows under short keys, gzipped without a timestamp, so that the
same package version always gives the same bytes (a rerun shows no diff).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
# What each short key holds, written into the file itself: its reader needs nothing else.
LAYOUT = {
    "r": "regions: code -> name",
    "d": "departements: code -> [name, region code]",
    "c": "communes: [INSEE code, name, SIREN or null, [postal codes], departement code]",
    "e": "EPCIs: [SIREN, name, type (CC, CA, CU, METRO, MET69), [member communes' INSEE codes]]",
}


def _load(package: Path, name: str):
    return json.loads((package / "data" / name).read_text(encoding="utf-8"))


def build(package: Path) -> dict:
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    if meta.get("name") != PACKAGE:
        raise SystemExit(f"{package} n'est pas le paquet {PACKAGE}.")
    regions = {r["code"]: r["nom"] for r in _load(package, "regions.json")}
    departements = {d["code"]: [d["nom"], d["region"]] for d in _load(package, "departements.json")}
    communes = []
    for c in _load(package, "communes.json"):
        if c["type"] != "commune-actuelle":  # déléguées, associées, arrondissements: not ours
            continue
        # The region is the département's: checked here, so that the file need not repeat it.
        if departements[c["departement"]][1] != c["region"]:
            raise SystemExit(f"{c['code']} : région {c['region']} hors de son département.")
        communes.append([c["code"], c["nom"], c.get("siren"), sorted(c.get("codesPostaux", [])),
                         c["departement"]])
    communes.sort()
    known = {c[0] for c in communes}
    epcis = []
    for e in _load(package, "epci.json"):
        members = sorted(m["code"] for m in e["membres"])
        if missing := set(members) - known:
            raise SystemExit(f"EPCI {e['code']} : communes inconnues {sorted(missing)}.")
        epcis.append([e["code"], e["nom"], e["type"], members])
    epcis.sort()
    return {"source": PACKAGE, "version": meta["version"], "licence": LICENCE, "layout": LAYOUT,
            "r": regions, "d": departements, "c": communes, "e": epcis}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package (its package/ dir)")
    parser.add_argument("output", type=Path, help="the .json.gz to write")
    args = parser.parse_args()
    extract = build(args.package)
    data = json.dumps(extract, ensure_ascii=False, separators=(",", ":")).encode()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out:
        out.write(data)
    print(f"{args.output} : {PACKAGE} {extract['version']}, {len(extract['c'])} communes, "
          f"{len(extract['e'])} EPCI, {args.output.stat().st_size // 1024} Kio.")


if __name__ == "__main__":
    main()
