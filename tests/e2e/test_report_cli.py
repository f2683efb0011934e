"""``report`` and ``print`` as a person runs them: PDFs out, Chinese usage errors (exit 2), no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from village_counsel.paths import STORE_FILE
from village_counsel.store import Store


def run(data_dir: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "village_counsel", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def usage_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert "参数错误" in proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def text_of(path: Path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(path).pages)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    ok(run(data_dir, "demo", "--villages", "3", "--months", "2", "--seed", "5"))
    return data_dir


@pytest.fixture(scope="module")
def month(demo_dir) -> str:
    with Store(demo_dir / STORE_FILE) as store:
        return store.months()[0]


def test_township_report_of_three_demo_villages(demo_dir, month, tmp_path):
    out = tmp_path / "月报.pdf"
    proc = run(demo_dir, "report", "--month", month, "-o", str(out))
    ok(proc)
    pages = len(pypdf.PdfReader(out).pages)
    assert f"{pages} 页" in proc.stdout
    text = text_of(out)
    assert "共 3 个村" in text and "各村主要数据" in text
    for n in (1, pages):
        assert f"第 {n} 页 共 {pages} 页" in text
    assert text.count("司法所审核") == 4  # the township sign-off and each village's


def test_one_village_report(demo_dir, month, tmp_path):
    with Store(demo_dir / STORE_FILE) as store:
        name = store.list("village")[0]["name"]
    out = tmp_path / "v.pdf"
    ok(run(demo_dir, "report", "--month", month, "--village", name, "-o", str(out)))
    text = text_of(out)
    assert f"{name}法律顾问工作月报" in text and "各村主要数据" not in text


@pytest.mark.parametrize("bad", ["2026-13", "202611", "2026/11", "November"])
def test_bad_month_is_a_usage_error(demo_dir, tmp_path, bad):
    proc = run(demo_dir, "report", "--month", bad, "-o", str(tmp_path / "x.pdf"))
    usage_error(proc, "YYYY-MM")
    assert not (tmp_path / "x.pdf").exists()


def test_unknown_village_is_a_usage_error_naming_the_villages(demo_dir, month, tmp_path):
    proc = run(demo_dir, "report", "--month", month, "--village", "不存在村", "-o", str(tmp_path / "x.pdf"))
    usage_error(proc, "没有名为“不存在村”的村", "现有：")
    assert not (tmp_path / "x.pdf").exists()


def test_output_must_be_a_pdf_file(demo_dir, month, tmp_path):
    usage_error(run(demo_dir, "report", "--month", month, "-o", str(tmp_path / "x.txt")), ".pdf")
    usage_error(run(demo_dir, "report", "--month", month), "-o")


def test_store_without_villages_is_refused_clearly(tmp_path):
    Store(tmp_path / "empty" / STORE_FILE).close()
    proc = run(tmp_path / "empty", "report", "--month", "2026-11", "-o", str(tmp_path / "x.pdf"))
    usage_error(proc, "还没有村")
    assert not (tmp_path / "x.pdf").exists()


def test_unwritable_output_is_refused_without_traceback(demo_dir, month, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run(demo_dir, "report", "--month", month, "-o", str(blocker / "sub" / "x.pdf"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and proc.stderr.strip()


def test_print_notice_by_number_and_by_id(demo_dir, tmp_path):
    with Store(demo_dir / STORE_FILE) as store:
        exercise = next(e for e in store.list("power_exercise") if e["item"] in ("P10", "P11"))
        village = store.get("village", exercise.village_id)["name"]
    out = tmp_path / "notice.pdf"
    ok(
        run(
            demo_dir,
            "print",
            "notice",
            "--exercise",
            exercise["number"],
            "--village",
            village,
            "-o",
            str(out),
        )
    )
    text = text_of(out)
    assert "村务公示" in text and f"{village}村民委员会（盖章）" in text
    # the applicant in full, no ID number masked or not
    assert exercise["applicant"] in text.replace("\n", "")
    assert exercise["applicant_id"][:6] not in text and "********" not in text
    ok(run(demo_dir, "print", "notice", "--exercise", exercise.id, "-o", str(tmp_path / "n2.pdf")))
    ok(run(demo_dir, "print", "notice", "--exercise", exercise.id[:8], "-o", str(tmp_path / "n3.pdf")))


def test_ambiguous_or_unknown_exercise_is_a_usage_error(demo_dir, tmp_path):
    with Store(demo_dir / STORE_FILE) as store:
        numbers = [e["number"] for e in store.list("power_exercise")]
    shared = next(n for n in numbers if numbers.count(n) > 1)
    usage_error(
        run(demo_dir, "print", "notice", "--exercise", shared, "-o", str(tmp_path / "x.pdf")), "--village"
    )
    usage_error(
        run(demo_dir, "print", "notice", "--exercise", "P99-2026-001", "-o", str(tmp_path / "x.pdf")),
        "找不到",
    )
    usage_error(run(demo_dir, "print", "notice", "-o", str(tmp_path / "x.pdf")), "--exercise")


def test_print_record_of_a_matter_and_of_a_case(demo_dir, tmp_path):
    with Store(demo_dir / STORE_FILE) as store:
        session = store.list("session")[0]
        village = store.get("village", session.village_id)["name"]
        case = next(e for e in store.list("service_entry") if e.get("duty") == "矛盾纠纷调解")
    out = tmp_path / "matter.pdf"
    number = f"{session['number']}-1"
    ok(run(demo_dir, "print", "record", "--matter", number, "--village", village, "-o", str(out)))
    text = text_of(out)
    assert "一事一档" in text and number in text and "修改记录" in text
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text.replace("\n", ""))
    out = tmp_path / "case.pdf"
    ok(run(demo_dir, "print", "record", "--case", case.id[:8], "-o", str(out)))
    text = text_of(out)
    assert "调解卷宗" in text and "内部存档" not in text
    # the number printed on it finds it again; --archive prints the office's unmasked copy
    number = re.search(r"（\d{4}）\S+人调字第 \d+ 号", text).group(0)
    ok(run(demo_dir, "print", "record", "--case", number, "--archive", "-o", str(tmp_path / "a.pdf")))
    archive = text_of(tmp_path / "a.pdf")
    assert number in archive and "内部存档" in archive
    assert all(p["name"] in archive for p in case.get("applicants") or [])
    usage_error(
        run(
            demo_dir, "print", "record", "--case", "（1999）无此人调字第 1 号", "-o", str(tmp_path / "n.pdf")
        ),
        "找不到调解案件",
    )
    assert not (tmp_path / "n.pdf").exists()


def test_print_record_needs_exactly_one_target(demo_dir, tmp_path):
    usage_error(run(demo_dir, "print", "record", "-o", str(tmp_path / "x.pdf")))
    usage_error(
        run(demo_dir, "print", "record", "--matter", "a", "--case", "b", "-o", str(tmp_path / "x.pdf"))
    )
    usage_error(
        run(demo_dir, "print", "record", "--case", "nothing", "-o", str(tmp_path / "x.pdf")), "找不到调解案件"
    )
    usage_error(run(demo_dir, "print", "-o", "x.pdf"))


@pytest.mark.parametrize("args", [("report",), ("print",), ("print", "notice"), ("print", "record")])
def test_help_is_chinese(tmp_path, args):
    proc = run(tmp_path, *args, "--help")
    ok(proc)
    assert "用法：" in proc.stdout and re.search(r"[\u4e00-\u9fff]", proc.stdout)


# --- trial fixes: same-name villages from two advisors' files, empty months ------------------------------------


@pytest.fixture(scope="module")
def township_dir(tmp_path_factory) -> Path:
    """A township store that imported two advisors' files; both advisors created 上张村 and 东门村 by name
    (as before villages had national codes: two villages of one name)."""
    base = tmp_path_factory.mktemp("township")
    for name, seed in (("a", "5"), ("b", "6")):
        ok(run(base / name, "villages", "add", "--name", "上张村", "--township", "西周镇"))
        ok(run(base / name, "villages", "add", "--name", "东门村", "--township", "石浦镇"))
        ok(run(base / name, "demo", "--villages", "2", "--months", "2", "--seed", seed))
        ok(run(base / name, "export", "--full", "-o", str(base / f"{name}.zip")))
    ok(run(base / "office", "import", str(base / "a.zip"), str(base / "b.zip")))
    return base / "office"


def _twins(data_dir: Path) -> tuple[list, dict[str, str]]:
    with Store(data_dir / STORE_FILE) as store:
        twins = [v for v in store.list("village", order="id") if v["name"] == "上张村"]
        advisors = {p.origin: p["name"] for p in store.list("profile")}
        return twins, {v.id: advisors[v.origin] for v in twins}


def test_a_shared_village_name_is_refused_listing_the_candidates(township_dir, month, tmp_path):
    twins, _ = _twins(township_dir)
    assert len(twins) == 2
    proc = run(township_dir, "report", "--month", month, "--village", "上张村", "-o", str(tmp_path / "x.pdf"))
    usage_error(proc, "有 2 个村名为“上张村”", *[f"ID {v.id[:8]}" for v in twins], "上张村@")
    assert "西周镇" in proc.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_a_shared_name_is_told_apart_by_id_prefix_or_id(township_dir, month, tmp_path):
    twins, advisor = _twins(township_dir)
    for n, (v, ref) in enumerate(((twins[0], f"上张村@{twins[0].id[:8]}"), (twins[1], twins[1].id))):
        out = tmp_path / f"{n}.pdf"
        ok(run(township_dir, "report", "--month", month, "--village", ref, "-o", str(out)))
        text = text_of(out)
        assert f"{v.id[:8]}）法律顾问工作月报" in text.replace("\n", "")
        head = text[: text.index("一、")]
        assert advisor[v.id] in head  # this village's own advisor, not "—"
        other = advisor[twins[1 - n].id]
        assert other not in head


def test_township_report_names_every_advisor_and_tells_twins_apart(township_dir, month, tmp_path):
    twins, advisor = _twins(township_dir)
    out = tmp_path / "t.pdf"
    ok(run(township_dir, "report", "--month", month, "-o", str(out)))
    text = text_of(out)
    head = text[: text.index("各村主要数据")]
    assert all(name in head for name in advisor.values())
    flat = text.replace("\n", "").replace(" ", "")
    for v in twins:
        assert f"上张村（西周镇{v.id[:8]}）" in flat


def test_help_explains_how_to_pick_a_shared_name(demo_dir):
    proc = run(demo_dir, "report", "--help")
    ok(proc)
    assert "村名@ID前缀" in proc.stdout and "上张村@" in proc.stdout


def test_a_month_without_records_warns_but_prints(demo_dir, tmp_path):
    with Store(demo_dir / STORE_FILE) as store:
        months = store.months()
    out = tmp_path / "empty.pdf"
    proc = run(demo_dir, "report", "--month", "2020-01", "-o", str(out))
    ok(proc)
    assert out.exists() and "已生成" in proc.stdout
    assert "2020年1月没有任何记录" in proc.stderr and all(m in proc.stderr for m in months)
    proc = run(demo_dir, "report", "--month", months[0], "-o", str(tmp_path / "full.pdf"))
    ok(proc)
    assert "没有任何记录" not in proc.stderr


def test_table_writes_a_ledger_and_refuses_bad_input_without_a_file(demo_dir, tmp_path):
    from openpyxl import load_workbook

    with Store(demo_dir / STORE_FILE) as store:
        month = max(store.months())
        village = store.list("village")[0]
        expected = len(store.list("service_entry", village_id=village.id, month=month))
    out = tmp_path / "services.xlsx"
    proc = run(demo_dir, "table", "services", "--month", month, "--village", village["name"], "-o", str(out))
    ok(proc)
    assert f"（{expected} 行）" in proc.stdout
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号（案号）", "村（社区）", "日期") and len(rows) == expected + 1
    ok(run(demo_dir, "table", "cases", "-o", str(tmp_path / "cases.csv")))
    assert (tmp_path / "cases.csv").read_bytes().startswith("\ufeff案号,".encode())
    usage_error(run(demo_dir, "table", "ledgers", "-o", str(tmp_path / "x.xlsx")), "台账")
    usage_error(run(demo_dir, "table", "cases", "-o", str(tmp_path / "x.pdf")), ".xlsx 或 .csv")
    usage_error(
        run(demo_dir, "table", "cases", "--village", "无此村", "-o", str(tmp_path / "x.csv")), "没有名为"
    )
    usage_error(run(demo_dir, "table", "cases", "--month", "2026-13", "-o", str(tmp_path / "x.csv")))
    assert not list(tmp_path.glob("x.*"))
