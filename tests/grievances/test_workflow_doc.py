from django.core.management import call_command

from grievances.workflow import render


def test_workflow_doc_is_generated_from_the_code_and_current():
    call_command("workflow_graph", "--check")


def test_graph_has_every_state_and_the_unsatisfied_loop():
    text = render()
    assert "verified --> handling: 评价不满意" in text
    assert "completed --> handling: 核查不通过" in text
    for state in ("submitted", "accepted", "rejected", "dispatched", "handling", "completed", "verified", "closed"):
        assert f"    {state}: {state}" in text
