"""小微权力 items and checklist duty templates, loaded from data in ``resources/``.

A township extends or changes them by putting a file of the same name in the store's folder
(``<data dir>/catalog/power_items.json`` or ``duties.json``): items and duties are merged by code."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import CounselError
from .paths import data_dir, resource

FREQUENCIES = {
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
    "on_demand": "按需",
}


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    publicity_days: int | None = None  # a publicity step; 0 = posted, no minimum length
    min_amount: float | None = None  # required only from this amount on
    meeting: bool = False
    vote: bool = False

    @property
    def is_publicity(self) -> bool:
        return self.publicity_days is not None


@dataclass(frozen=True)
class NoticeField:
    """One line of the content a 公示 notice of an item shows (a 宅基地 application's 户主, 家庭人口…):
    ``type`` is text, longtext, int, number or money."""

    key: str
    label: str
    type: str = "text"


@dataclass(frozen=True)
class PowerItem:
    """One item of the 小微权力清单."""

    code: str
    name: str
    kind: str  # collective | service
    steps: tuple[Step, ...]
    note: str = ""
    tender_threshold: float | None = None
    personal_id: bool = False
    notice: tuple[NoticeField, ...] = ()  # the content its notice shows, entered with the exercise
    recipients: bool = False  # its notice lists recipients and amounts (低保, 补偿款)

    @property
    def kind_label(self) -> str:
        return "集体管理事项" if self.kind == "collective" else "便民服务事项"

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def required_steps(self, amount: float | None) -> list[Step]:
        return [s for s in self.steps if s.min_amount is None or (amount or 0) >= s.min_amount]


@dataclass(frozen=True)
class Duty:
    """One duty of the 法律顾问工作清单."""

    code: str
    name: str
    frequency: str
    quantity: int = 0
    note: str = ""

    @property
    def frequency_label(self) -> str:
        label = FREQUENCIES.get(self.frequency, self.frequency)
        return f"{label} {self.quantity} 次" if self.quantity else label


@dataclass
class Catalog:
    items: dict[str, PowerItem] = field(default_factory=dict)
    duties: dict[str, Duty] = field(default_factory=dict)

    def item(self, code: str) -> PowerItem | None:
        return self.items.get(code)

    def duty_by_name(self, name: str) -> Duty | None:
        return next((d for d in self.duties.values() if d.name == name), None)

    @property
    def duty_names(self) -> list[str]:
        return [d.name for d in self.duties.values()]


def _load_json(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return data


def _items(data: dict[str, Any]) -> dict[str, PowerItem]:
    out = {}
    for raw in data.get("items", []):
        steps = tuple(
            Step(
                key=s["key"],
                name=s["name"],
                publicity_days=s.get("publicity_days"),
                min_amount=s.get("min_amount"),
                meeting=bool(s.get("meeting")),
                vote=bool(s.get("vote")),
            )
            for s in raw["steps"]
        )
        out[raw["code"]] = PowerItem(
            code=raw["code"],
            name=raw["name"],
            kind=raw.get("kind", "collective"),
            steps=steps,
            note=raw.get("note", ""),
            tender_threshold=raw.get("tender_threshold"),
            personal_id=bool(raw.get("personal_id")),
            notice=tuple(
                NoticeField(str(f["key"]), str(f["label"]), str(f.get("type", "text")))
                for f in raw.get("notice", [])
            ),
            recipients=bool(raw.get("recipients")),
        )
    return out


def _duties(data: dict[str, Any]) -> dict[str, Duty]:
    return {
        d["code"]: Duty(
            d["code"],
            d["name"],
            d.get("frequency", "on_demand"),
            int(d.get("quantity", 0)),
            d.get("note", ""),
        )
        for d in data.get("duties", [])
    }


def load_catalog(override_dir: str | Path | None = None) -> Catalog:
    """The shipped catalogue, with a township's files merged over it by code. The township's files are
    looked for in ``override_dir``, by default ``<data dir>/catalog``; a changed file is read again."""
    folder = Path(override_dir) if override_dir else data_dir() / "catalog"
    stamps = tuple(
        (p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None
        for p in (folder / "power_items.json", folder / "duties.json")
    )
    return _load(str(folder), stamps)


@lru_cache(maxsize=8)
def _load(folder_name: str, stamps: tuple[object, ...]) -> Catalog:
    catalog = Catalog(
        _items(_load_json(resource("power_items.json"))), _duties(_load_json(resource("duties.json")))
    )
    folder = Path(folder_name)
    try:
        if stamps[0] is not None:
            catalog.items.update(_items(_load_json(folder / "power_items.json")))
        if stamps[1] is not None:
            catalog.duties.update(_duties(_load_json(folder / "duties.json")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CounselError(f"乡镇自定义清单（{folder}）无法读取：{exc}。请修正或移走该文件。") from exc
    return catalog
