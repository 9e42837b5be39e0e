"""Builds the bundled Word template ``report_templates/report.docx`` (docxtpl syntax).

Staff may upload their own template in the admin (报告模板); it receives the same
variables: ``title``, ``region.name``, ``period.label/start/end``, ``generated_at``, ``k``
(each KPI's display text by code, e.g. ``k.completion_rate``), ``prev_k`` (the previous
period's), ``kinds``/``categories``/``channels``/``severities`` (rows with ``name``, ``n``,
``share``, ``completion_rate``, ``satisfaction_rate``, ``overdue``, ``avg_hours``),
``regions``, ``units``, ``logins`` (``name``, ``staff``, ``rate``), ``login_rate.display``,
``working_days``, ``mediation``, ``commentary`` (sentences).

Regenerate with ``python -m analysis.docx_default`` after changing this file.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent / "report_templates" / "report.docx"


def _table(doc, header: list[str], loop: str, cells: list[str]):
    table = doc.add_table(rows=4, cols=len(header))
    table.style = "Table Grid"
    for i, text in enumerate(header):
        table.rows[0].cells[i].text = text
    table.rows[1].cells[0].text = "{%tr for r in " + loop + " %}"
    for i, text in enumerate(cells):
        table.rows[2].cells[i].text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    return table


def build(path: Path = OUT) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    title = doc.add_heading("{{ title }}", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("统计时段：{{ period.start }} 至 {{ period.end }}　　生成时间：{{ generated_at }}")

    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(
        "本期共受理矛盾纠纷和群众诉求{{ k.submitted }}，响应率{{ k.response_rate }}，办结率{{ k.completion_rate }}，"
        "群众满意率{{ k.satisfaction_rate }}，一次性化解率{{ k.first_resolution_rate }}。"
    )
    _table(doc, ["指标", "本期", "上期"], "kpis", ["{{ r.label }}", "{{ r.display }}", "{{ prev_k[r.code] }}"])

    doc.add_heading("二、研判点评", level=1)
    doc.add_paragraph("{%p for line in commentary %}")
    doc.add_paragraph("{{ line }}")
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading("三、矛盾纠纷类型", level=1)
    _table(doc, ["诉求类型", "件数", "占比%", "办结率", "满意率"], "kinds",
           ["{{ r.name }}", "{{ r.n }}", "{{ r.share }}", "{{ r.completion_rate }}", "{{ r.satisfaction_rate }}"])
    doc.add_paragraph("")
    _table(doc, ["纠纷类别", "件数", "占比%", "办结率", "平均办结时长"], "categories",
           ["{{ r.name }}", "{{ r.n }}", "{{ r.share }}", "{{ r.completion_rate }}", "{{ r.avg_hours }}"])

    doc.add_heading("四、整体办理情况", level=1)
    doc.add_paragraph(
        "按时签收率{{ k.sign_on_time_rate }}，按时阶段性回复率{{ k.interim_on_time_rate }}，"
        "按时办结率{{ k.completion_on_time_rate }}，平均办结时长{{ k.avg_completion_hours }}（P90 {{ k.p90_completion_hours }}），"
        "退回率{{ k.return_rate }}，二次督办{{ k.second_supervision_count }}，重复诉求率{{ k.repeat_rate }}。"
        "调解成功率{{ mediation.success_rate.display }}，司法确认{{ mediation.confirmations.display }}。"
    )
    _table(doc, ["区域", "件数", "上期", "办结率", "满意率", "超期未结"], "regions",
           ["{{ r.name }}", "{{ r.n }}", "{{ r.prev_n }}", "{{ r.completion_rate }}", "{{ r.satisfaction_rate }}",
            "{{ r.overdue_open }}"])

    doc.add_heading("五、事项办理超时情况", level=1)
    doc.add_paragraph("超期件数{{ k.overdue_count }}，超期率{{ k.overdue_rate }}，目前超期未办结{{ k.overdue_open_count }}。")
    _table(doc, ["承办单位", "件数", "办结率", "按时办结率", "超期", "满意率"], "units",
           ["{{ r.name }}", "{{ r.submitted }}", "{{ r.completion_rate }}", "{{ r.completion_on_time_rate }}",
            "{{ r.overdue }}", "{{ r.satisfaction_rate }}"])

    doc.add_heading("六、工作人员登录率", level=1)
    doc.add_paragraph("本期{{ working_days }}个工作日，工作人员登录率{{ login_rate.display }}"
                      "（登录人次{{ login_rate.numerator }}/应登录人次{{ login_rate.denominator }}）。")
    _table(doc, ["单位", "工作人员数", "登录率"], "logins", ["{{ r.name }}", "{{ r.staff }}", "{{ r.rate }}"])

    doc.add_heading("七、办结情况", level=1)
    doc.add_paragraph("本期诉求办结率{{ k.completion_rate }}，满意率{{ k.satisfaction_rate }}。"
                      "各单位要对超期未办结事项逐件跟踪，确保“案结事了”。")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


if __name__ == "__main__":
    print(build())
