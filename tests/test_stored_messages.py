"""Core messages stored for a page to translate later (issue 19): a Msg written to a file keeps its template
and parameters beside its English (gan_core.messages.to_doc / from_doc / stored_text), and the alarms'
records carry theirs (message_msg)."""

from __future__ import annotations

import json

from gan_core.messages import Msg, from_doc, message_of, stored_text, to_doc
from gan_core.metrics.alarms import detect


def test_a_msg_survives_a_json_file_with_its_nested_parameters():
    msg = Msg("Training diverged: {why}. {kept}.", why=Msg("non-finite {names} at step {step}", names="d_loss",
                                                          step=80), kept=Msg("No checkpoint"))
    back = from_doc(json.loads(json.dumps(to_doc(msg))))
    assert back == msg == "Training diverged: non-finite d_loss at step 80. No checkpoint."
    assert back.template == msg.template and back.params["why"].template == "non-finite {names} at step {step}"
    assert to_doc("plain English") is None


def test_an_unusable_record_falls_back_to_the_english():
    for junk in (None, "text", {"template": "{x}", "params": {}}, {"template": 3, "params": {}},
                 {"template": "{a}", "params": {"a": {"template": "{b}", "params": {}}}}):
        assert from_doc(junk) is None, junk
    assert stored_text({"error": "old English", "error_msg": {"template": "{x}", "params": {}}}, "error") == \
        "old English"
    assert stored_text({"error": None}, "error") is None
    new = stored_text({"error": "at step 3", "error_msg": to_doc(Msg("at step {n}", n=3))}, "error")
    assert isinstance(new, Msg) and new.params == {"n": 3}


def test_an_exception_keeps_the_msg_it_was_raised_with():
    assert isinstance(message_of(ValueError(Msg("at step {n}", n=3))), Msg)
    assert message_of(ValueError("a", "b")) == "('a', 'b')"


def test_an_alarm_record_carries_its_template_and_numbers():
    rows = [{"step": s, "d_loss": 1.0, "g_loss": 1.0 if s < 500 else 1e9} for s in range(100, 900, 100)]
    (alarm,) = detect(rows)
    record = json.loads(json.dumps(alarm.to_dict()))  # as alarms.jsonl and status.json keep it
    msg = from_doc(record["message_msg"])
    assert msg == record["message"] and msg.template.startswith("exploding loss: |{key}|")
    assert msg.params["key"] == "d_loss" or msg.params["key"] == "g_loss"
    assert record["title"] == "Training diverged" and record["remedies"]  # looked up by their English on a page
