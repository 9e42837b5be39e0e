from datetime import date

from mediation.pdf import AgreementData, PartyLine, render_agreement
from tests.mediation.pdftext import pdf_text


def _render(**kw):
    data = dict(
        number="（2026）调字第00007号", organisation="湖滨街道人民调解委员会",
        parties=[PartyLine("申请人", "张三", "13800000001", "柳岸社区3栋"), PartyLine("被申请人", "李四")],
        facts="楼上漏水", terms="一、李四赔偿张三2000元；\n二、双方和好。", performance_deadline=date(2026, 12, 1),
        mediators=["陈调解员", "林调解员"], signed_on=date(2026, 11, 24),
    )
    data.update(kw)
    return render_agreement(AgreementData(**data))


def test_agreement_pdf_has_title_parties_terms_deadline_and_signature_block():
    text = pdf_text(_render())
    assert text.startswith("人民调解协议书（2026）调字第00007号")
    assert "申请人：张三（电话：13800000001，住址：柳岸社区3栋）" in text
    assert "被申请人：李四" in text
    assert "一、李四赔偿张三2000元；二、双方和好。" in text
    assert "履行期限：2026年12月1日前。" in text
    assert "调解员（签名）：陈调解员、林调解员" in text
    assert "签订日期：2026年11月24日" in text


def test_markup_in_user_text_is_printed_not_interpreted():
    text = pdf_text(_render(parties=[PartyLine("申请人", "<b>王</b> & 子"), PartyLine("被申请人", "李四")]))
    assert "<b>王</b> & 子" in text
