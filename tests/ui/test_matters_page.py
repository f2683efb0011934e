"""村民说事: a session with its matters in one editor, and a matter carried through its stages."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QPushButton, QTableWidgetItem

from tests.ui.conftest import set_text
from village_counsel import matters, vocab
from village_counsel.ui.common import Hub
from village_counsel.ui.editors import MatterDialog, ServiceDialog, SessionDialog, StageDialog, advance_matter
from village_counsel.ui.pages import MattersPage

ACCEPTED = QDialog.DialogCode.Accepted


def _new_session(store, qtbot, village_id, contents):
    dialog = SessionDialog(store, village_id=village_id)
    qtbot.addWidget(dialog)
    set_text(dialog.editor, "date", "2026-11-05")
    set_text(dialog.editor, "venue", "村说事室")
    for n, content in enumerate(contents):
        row = 0 if n == 0 else dialog.add_row()
        dialog.table.setItem(row, 0, QTableWidgetItem(f"村民{n}"))
        dialog.table.setItem(row, 1, QTableWidgetItem(content))
        dialog.table.cellWidget(row, 2).setCurrentIndex(1)
    dialog.on_save()
    return dialog


def test_session_with_three_matters_and_one_carried_to_evaluated(ui_store, village_ids, qtbot):
    hub = Hub()
    page = MattersPage(ui_store, hub, lambda k, i: None)
    qtbot.addWidget(page)
    dialog = _new_session(
        ui_store, qtbot, village_ids["上张村"], ["村口路灯不亮", "村道破损", "垃圾清运不及时"]
    )
    assert dialog.result() == ACCEPTED, dialog.message.text()
    hub.emit_changes(dialog.changes)
    assert page.matters.model.rowCount() == 3
    assert len(matters.session_matters(ui_store, dialog.saved.id)) == 3

    # choose the first matter: only 议事 is allowed
    page.matters.view.selectRow(0)
    assert page.action_buttons["deliberate"].isEnabled()
    assert not page.action_buttons["evaluate"].isEnabled()
    matter = page.matters.current_record()

    step = StageDialog(ui_store, matter, "deliberate")
    qtbot.addWidget(step)
    set_text(step.editor, "discussion", "两委议定由村里维修")
    set_text(step.editor, "route", vocab.ROUTE_VILLAGE)
    set_text(step.editor, "responsible", "李主任")
    step.on_save()
    assert step.result() == ACCEPTED, step.message.text()
    assert ui_store.get("matter", matter.id)["stage"] == "议事"
    assert ui_store.get("matter", matter.id)["deadline"]  # 7 days by default

    handle = StageDialog(ui_store, ui_store.get("matter", matter.id), "handle")
    qtbot.addWidget(handle)
    set_text(handle.editor, "result", "已更换灯泡")
    handle.on_save()
    assert handle.result() == ACCEPTED, handle.message.text()

    evaluate = StageDialog(ui_store, ui_store.get("matter", matter.id), "evaluate")
    qtbot.addWidget(evaluate)
    set_text(evaluate.editor, "evaluation", "满意")
    evaluate.on_save()
    assert evaluate.result() == ACCEPTED, evaluate.message.text()
    assert ui_store.get("matter", matter.id)["stage"] == "评事"
    hub.emit_changes(evaluate.changes)
    page.matters.select_id(matter.id)
    assert not any(b.isEnabled() for b in page.action_buttons.values())


def test_session_validation_marks_fields_and_saves_nothing(ui_store, village_ids, qtbot):
    dialog = SessionDialog(ui_store, village_id=village_ids["上张村"])
    qtbot.addWidget(dialog)
    set_text(dialog.editor, "date", "2026-13-40")
    dialog.table.setItem(0, 0, QTableWidgetItem("王五"))  # no content, no category
    dialog.on_save()
    assert dialog.result() != ACCEPTED
    assert dialog.editor.errors["date"].text() == "日期格式应为 年-月-日，例如 2026-11-05"
    assert not dialog.editor.errors["date"].isHidden()
    assert ui_store.list("session") == [] and ui_store.list("matter") == []

    set_text(dialog.editor, "date", "2026-11-05")
    dialog.on_save()
    assert "第 1 件事项·事项内容：必须填写" in dialog.message.text()
    assert "第 1 件事项·类别：必须填写" in dialog.message.text()
    assert ui_store.list("session") == []


def test_deliberate_needs_route_fields(ui_store, village_ids, qtbot):
    session, (m,) = matters.create_session(
        ui_store,
        village_ids["上张村"],
        {"date": "2026-11-05", "format": "现场说"},
        [{"raiser": "张三", "content": "水渠堵塞", "category": "村庄建设"}],
    )
    step = StageDialog(ui_store, m, "deliberate")
    qtbot.addWidget(step)
    set_text(step.editor, "route", vocab.ROUTE_REJECT)
    assert not step.editor.rows["reject_reason"][1].isHidden()
    assert step.editor.rows["responsible"][1].isHidden()
    step.on_save()
    assert step.result() != ACCEPTED
    assert step.editor.errors["discussion"].text() == "必须填写"
    assert step.editor.errors["reject_reason"].text() == "必须填写"
    assert ui_store.get("matter", m.id)["stage"] == "说事"


def test_route_to_mediation_opens_the_prefilled_entry_linked_both_ways(
    ui_store, village_ids, qtbot, no_modal
):
    _, (m,) = matters.create_session(
        ui_store,
        village_ids["东门村"],
        {"date": "2026-11-05", "format": "现场说"},
        [{"raiser": "张三", "content": "邻居违章搭建", "category": "社会稳定"}],
    )

    def fill(dialog):
        set_text(dialog.editor, "discussion", "双方各执一词")
        set_text(dialog.editor, "route", vocab.ROUTE_MEDIATION)
        dialog.on_save()
        return dialog.result()

    no_modal["StageDialog"] = fill
    opened = []
    hub = Hub()
    saved = advance_matter(None, ui_store, hub, m, "deliberate", lambda k, i: opened.append((k, i)))
    assert saved is not None and saved["mediation_id"]
    assert opened == [("service_entry", saved["mediation_id"])]
    entry = ui_store.get("service_entry", saved["mediation_id"])
    assert entry["matter_id"] == m.id and entry["applicants"] == [{"name": "张三"}]

    # the matter shows the link to the entry, and the entry's editor links back
    links = []
    dialog = MatterDialog(ui_store, hub, m.id, lambda k, i: links.append((k, i)))
    qtbot.addWidget(dialog)
    dialog.findChild(QPushButton, "link_service_entry").click()
    assert links == [("service_entry", entry.id)]
    editor = ServiceDialog(ui_store, entry, opener=lambda k, i: links.append((k, i)))
    qtbot.addWidget(editor)
    editor.findChild(QPushButton, "link_matter").click()
    assert links[-1] == ("matter", m.id)

    # mediated, not satisfied, reopened: the first round's case stays linked from the matter
    from village_counsel import checklist

    checklist.update_service(ui_store, entry.id, {"outcome": "调解成功"})
    matters.evaluate(ui_store, m.id, {"evaluation": "不满意"})
    again = MatterDialog(ui_store, hub, m.id, lambda k, i: links.append((k, i)))
    qtbot.addWidget(again)
    earlier = [b for b in again.findChildren(QPushButton, "link_service_entry") if "第 1 轮" in b.text()]
    assert len(earlier) == 1
    earlier[0].click()
    assert links[-1] == ("service_entry", entry.id)


def test_correcting_a_matter_keeps_its_stage_and_marks_bad_input(ui_store, village_ids, qtbot):
    from village_counsel.ui.editors import MatterEditDialog

    _, (matter,) = matters.create_session(
        ui_store,
        village_ids["上张村"],
        {"date": "2026-11-05", "format": "现场说"},
        [{"raiser": "王建国", "content": "路灯坏了 <b>", "category": "村庄建设"}],
    )
    view = MatterDialog(ui_store, Hub(), matter.id, lambda k, i: None)
    qtbot.addWidget(view)
    assert "&lt;b&gt;" in view.text.text()  # villagers' text is shown, never interpreted as markup
    assert view.findChild(QPushButton, "action_edit") is not None
    dialog = MatterEditDialog(ui_store, matter)
    qtbot.addWidget(dialog)
    set_text(dialog.editor, "content", "")
    dialog.on_save()
    assert dialog.result() != ACCEPTED and dialog.editor.errors["content"].text()
    assert ui_store.get("matter", matter.id)["content"] == "路灯坏了 <b>"
    set_text(dialog.editor, "content", "村东路灯坏了三盏")
    dialog.on_save()
    assert dialog.result() == ACCEPTED, dialog.message.text()
    saved = ui_store.get("matter", matter.id)
    assert saved["content"] == "村东路灯坏了三盏" and saved["stage"] == "说事"
