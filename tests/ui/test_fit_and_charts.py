"""What a new user saw on a 1366×768 laptop: whole-number chart axes, labels that fit, dialogs that fit
the screen, the applicant's ID asked only where an item needs it, a sort mark that tells the order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCharts import QBarCategoryAxis, QValueAxis
from PySide6.QtCore import QRect, Qt

from tests.conftest import TODAY
from tests.ui.conftest import set_text
from village_counsel import matters
from village_counsel.catalog import load_catalog
from village_counsel.demo import run_demo
from village_counsel.ui import common
from village_counsel.ui.common import Hub
from village_counsel.ui.dashboard import LABEL_CHARS, DashboardPage, count_scale, short_label
from village_counsel.ui.editors import (
    MatterEditDialog,
    ServiceDialog,
    SessionDialog,
    StageDialog,
    VillageDialog,
)
from village_counsel.ui.exercise_editor import ExerciseDialog
from village_counsel.ui.record_list import RecordList

# the offscreen platform cannot size a shown window to its hints; harmless
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


# --- chart axes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "scale"),
    [(0, (1, 2)), (1, (1, 2)), (2, (2, 3)), (5, (5, 6)), (7, (8, 5)), (15, (15, 4)), (23, (25, 6))],
)
def test_count_scale_examples(top, scale):
    assert count_scale(top) == scale


@given(st.integers(min_value=0, max_value=10**7))
def test_count_scale_gives_whole_ticks_above_the_largest_count(top):
    high, ticks = count_scale(top)
    assert high >= max(top, 1)
    assert 2 <= ticks <= 6
    assert high % (ticks - 1) == 0  # every tick is a whole number


def _value_axes(page):
    for view in (page.stage_view, page.findings_view, page.duties_view):
        axes = [a for a in view.chart().axes() if isinstance(a, QValueAxis)]
        assert len(axes) == 1
        yield view.chart().title(), axes[0]


def _assert_whole_ticks(page):
    for title, axis in _value_axes(page):
        assert axis.labelFormat() == "%d", title
        assert axis.min() == 0, title
        high = axis.max()
        assert high >= 1 and high == int(high), title
        assert int(high) % (axis.tickCount() - 1) == 0, (title, high, axis.tickCount())


def test_dashboard_axes_on_an_empty_store(store, qtbot):
    page = DashboardPage(store, Hub(), lambda k, i: None)
    qtbot.addWidget(page)
    _assert_whole_ticks(page)
    assert {axis.max() for _, axis in _value_axes(page)} == {1}
    assert {axis.tickCount() for _, axis in _value_axes(page)} == {2}  # "0" and "1", nothing between


def test_dashboard_axes_and_labels_on_demo_data(store, qtbot):
    run_demo(store, seed=3, villages=3, months=2, today=TODAY)
    page = DashboardPage(store, Hub(), lambda k, i: None)
    qtbot.addWidget(page)
    page.month.set_month(TODAY.isoformat()[:7])
    _assert_whole_ticks(page)
    _, stage_axis = next(_value_axes(page))
    assert stage_axis.max() >= max(page.figures.by_stage.values())
    for view in (page.stage_view, page.findings_view, page.duties_view):
        for axis in view.chart().axes():
            if isinstance(axis, QBarCategoryAxis):
                assert all(len(label) <= LABEL_CHARS for label in axis.categories()), axis.categories()


def test_every_duty_has_a_label_that_fits():
    for duty in load_catalog().duties.values():
        label = short_label(duty.name, duty.code)
        assert len(label) <= LABEL_CHARS
        assert label == duty.name or not label.endswith("…"), duty.name  # shortened by hand, not cut


# --- dialogs fit the screen -----------------------------------------------------------------------------------------


@pytest.fixture
def laptop(monkeypatch):
    """A 1366×768 screen less a 40-pixel task bar."""
    free = QRect(0, 0, 1366, 728)
    monkeypatch.setattr(common, "available_geometry", lambda widget: free)
    return free


def _dialogs(store, village_id):
    _, (matter,) = matters.create_session(
        store,
        village_id,
        {"date": "2026-11-02", "format": "现场说"},
        [{"raiser": "甲", "content": "修路", "category": "村庄建设"}],
    )
    return [
        ExerciseDialog(store, village_id=village_id, item="P07"),
        ExerciseDialog(store, village_id=village_id, item="P10"),
        ServiceDialog(store, village_id=village_id),
        ServiceDialog(store, village_id=village_id, duty="矛盾纠纷调解"),
        ServiceDialog(store, village_id=village_id, quick=True),
        SessionDialog(store, store.list("session")[0]),
        StageDialog(store, matter, "deliberate"),
        MatterEditDialog(store, matter),
        VillageDialog(store),
    ]


def test_every_dialog_fits_a_laptop_screen(ui_store, village_ids, laptop, qtbot):
    for dialog in _dialogs(ui_store, village_ids["上张村"]):
        qtbot.addWidget(dialog)
        dialog.show()
        name = f"{type(dialog).__name__} {dialog.windowTitle()}"
        assert dialog.width() <= laptop.width() - common.FRAME_WIDTH, name
        assert dialog.height() <= laptop.height() - common.FRAME_HEIGHT, name
        assert dialog.height() <= 680, name


def test_dialogs_shrink_to_a_smaller_screen(ui_store, village_ids, monkeypatch, qtbot):
    monkeypatch.setattr(common, "available_geometry", lambda widget: QRect(0, 0, 1024, 560))
    dialog = ServiceDialog(ui_store, village_id=village_ids["上张村"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.height() <= 560 - common.FRAME_HEIGHT
    exercise = ExerciseDialog(ui_store, village_id=village_ids["上张村"])
    qtbot.addWidget(exercise)
    exercise.show()
    assert exercise.width() <= 1024 - common.FRAME_WIDTH
    assert exercise.height() <= 560 - common.FRAME_HEIGHT


def test_every_step_column_is_visible_without_scrolling_sideways(ui_store, village_ids, laptop, qtbot):
    dialog = ExerciseDialog(ui_store, village_id=village_ids["上张村"])
    qtbot.addWidget(dialog)
    dialog.show()
    combo = dialog.head.widget("item")
    for code in load_catalog().items:
        combo.setCurrentIndex(combo.findData(code))
        dialog.steps.updateGeometries()
        assert dialog.steps.horizontalScrollBar().maximum() == 0, code


# --- the applicant's ID only where the item needs it --------------------------------------------------------------


def _personal_shown(dialog):
    return {name: not dialog.head.rows[name][1].isHidden() for name in ("applicant", "applicant_id")}


def test_applicant_and_id_only_for_items_that_need_them(ui_store, village_ids, qtbot):
    dialog = ExerciseDialog(ui_store, village_id=village_ids["上张村"], item="P01")
    qtbot.addWidget(dialog)
    assert _personal_shown(dialog) == {"applicant": False, "applicant_id": False}
    combo = dialog.head.widget("item")
    combo.setCurrentIndex(combo.findData("P10"))
    assert _personal_shown(dialog) == {"applicant": True, "applicant_id": True}
    combo.setCurrentIndex(combo.findData("P13"))
    assert _personal_shown(dialog) == {"applicant": False, "applicant_id": False}
    assert dialog.values()["applicant_id"] is None


def test_an_id_already_typed_stays_in_sight(ui_store, village_ids, qtbot):
    dialog = ExerciseDialog(ui_store, village_id=village_ids["上张村"], item="P10")
    qtbot.addWidget(dialog)
    set_text(dialog.head, "applicant_id", "330225199001011234")
    combo = dialog.head.widget("item")
    combo.setCurrentIndex(combo.findData("P01"))
    # nothing is saved out of sight: the typed number is still shown, to keep or clear
    assert _personal_shown(dialog)["applicant_id"]
    assert not _personal_shown(dialog)["applicant"]


# --- the sort mark ------------------------------------------------------------------------------------------------


def _header(rl, column):
    return rl.model.headerData(column, Qt.Orientation.Horizontal)


def test_sort_mark_matches_the_order(ui_store, village_ids, qtbot):
    for n, day in enumerate(("2026-09-01", "2026-11-01", "2026-10-01")):
        matters.create_session(
            ui_store,
            village_ids["上张村"],
            {"date": day, "format": "现场说"},
            [{"raiser": f"人{n}", "content": "修路", "category": "村庄建设"}],
        )
    rl = RecordList(ui_store, Hub(), "matter")
    qtbot.addWidget(rl)
    date_col = next(n for n, c in enumerate(rl.model.columns) if c.sort == "date")
    dates = lambda: [rl.model.record(r)["date"] for r in range(rl.model.rowCount())]  # noqa: E731
    assert not rl.view.horizontalHeader().isSortIndicatorShown()  # the style's arrow is not used
    assert dates() == ["2026-11-01", "2026-10-01", "2026-09-01"]
    assert _header(rl, date_col).endswith("▼")
    rl.view.sortByColumn(date_col, Qt.SortOrder.AscendingOrder)
    assert dates() == ["2026-09-01", "2026-10-01", "2026-11-01"]
    assert _header(rl, date_col).endswith("▲")
    raiser = next(n for n, c in enumerate(rl.model.columns) if c.sort == "raiser")
    rl.view.sortByColumn(raiser, Qt.SortOrder.DescendingOrder)
    assert _header(rl, raiser).endswith("▼") and not _header(rl, date_col).endswith(("▲", "▼"))


def test_an_unsortable_column_takes_no_mark(ui_store, village_ids, qtbot):
    rl = RecordList(ui_store, Hub(), "power_exercise")
    qtbot.addWidget(rl)
    findings = next(n for n, c in enumerate(rl.model.columns) if c.sort is None)
    date_col = next(n for n, c in enumerate(rl.model.columns) if c.sort == "date")
    rl.view.sortByColumn(findings, Qt.SortOrder.AscendingOrder)
    assert not _header(rl, findings).endswith(("▲", "▼"))
    assert _header(rl, date_col).endswith("▼")  # still what the rows show


def test_the_main_window_fits_a_1024_pixel_wide_screen(store, qtbot):
    """Every page side by side with the navigation fits a 1024 × 700 laptop (the report page's toolbar and
    the dashboard's eight tiles made the window 1136–1212 pixels wide at least)."""
    from village_counsel.demo import run_demo
    from village_counsel.ui.main_window import MainWindow

    run_demo(store, villages=2, months=1)
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert window.minimumSizeHint().width() <= 1000
    for page in window.pages:
        assert page.minimumSizeHint().width() <= 1000 - window.nav.width(), type(page).__name__
