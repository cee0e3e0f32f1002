"""Triage: context decides whether a finding counts, the two nets, the shipped net's freshness,
and emergencies recognised when the store is down."""

import numpy as np
import pytest

from assistant.ask.assistant import Assistant
from assistant.ask.safety.guard import Guard, net_inputs
from assistant.ask.safety.net import NET_FILE, EmergencyNet
from assistant.ask.safety.redflags import RedFlags
from assistant.ask.safety.training import TRAINING, files_hash, fit, training_files
from assistant.errors import StoreError
from assistant.store import Store
from tests.helpers import REPO


@pytest.fixture(scope="module")
def guard(embeddings):
    return Guard(embeddings)


@pytest.fixture(scope="module")
def red_flags():
    return RedFlags.load()


def rule(red_flags, text: str) -> str | None:
    found = red_flags.read(text.lower()).rule
    return found.name if found else None


def test_context_decides_whether_a_finding_counts(red_flags):
    now = "my neck is stiff, i have a fever of 39 and the light hurts my eyes since this morning"
    assert rule(red_flags, now) == "meningitis"
    for text in (
        "no fever, no stiff neck, just a dull ache at the base of my skull",  # negated
        "fever no, stiff neck no, light fine. just a headache",  # negated after the finding
        "what if my daughter gets a fever and a stiff neck, when should i worry?",  # hypothetical
        "should i worry if one day i get a fever and a stiff neck?",  # hypothetical
        "what are the signs of meningitis, like a fever and stiff neck?",  # a general question
        "two years ago i had a fever and a stiff neck, it was just a virus and all fine since",
    ):
        assert rule(red_flags, text) is None, text
    # Someone else having it is still an emergency.
    assert rule(red_flags, "my son has a fever and a stiff neck and hates the light") is not None


def test_negations_that_are_not_negations(red_flags):
    assert rule(red_flags, "scalp isn't tender, no jaw pain, i'm 70 and have a headache") is None
    # "not able to" states a finding; "chills? none" denies one.
    text = "back pain and since yesterday i'm not able to empty my bladder"
    assert rule(red_flags, text) == "cauda_equina"
    assert rule(red_flags, "chills? none. fever? none. back sore since my injection") is None


def test_a_sudden_event_dated_in_the_past_is_about_then_unless_something_goes_on_now(red_flags):
    past = "in 2021 i had a sudden explosive headache while lifting weights at the gym"
    assert rule(red_flags, past) is None
    assert rule(red_flags, "my son had a seizure with a fever when he was 2, he's 9 now") is None
    # The same dates with something going on now (said so, or in the present tense) count.
    assert rule(red_flags, past + " and it is back now, the worst ever") is not None
    surgery = "had back surgery two months ago and i have a fever and my back is killing me"
    assert rule(red_flags, surgery) == "spinal_infection"


def test_an_older_red_flags_file_without_the_newer_context_keys_still_loads():
    import tomllib

    from assistant.texts import PACKAGE_DATA

    data = tomllib.loads((PACKAGE_DATA / "red-flags.toml").read_text(encoding="utf-8"))
    del data["context"]["past_anchor"], data["context"]["ongoing"]
    older = RedFlags(data)
    assert rule(older, "in 2021 i had a sudden explosive headache while lifting") is not None


def test_a_question_that_says_when_it_began_is_about_now(red_flags):
    text = "is it normal to have tingling in the legs after falling off a horse? 2 hours ago"
    assert rule(red_flags, text) == "spinal_trauma"
    assert rule(red_flags, "is it normal to have tingling in the legs after a fall?") is None


def test_every_rule_names_its_source_and_every_category_has_rules(red_flags):
    assert all(r.source and r.alternatives for r in red_flags.rules)
    names = {r.name for r in red_flags.rules}
    for category in (
        "thunderclap",
        "meningitis",
        "hypertensive_emergency",
        "acute_angle_closure_glaucoma",
        "carbon_monoxide",
        "cervical_artery_dissection",
        "giant_cell_arteritis",
        "cauda_equina",
        "cord_compression",
        "spinal_infection",
        "spinal_trauma",
        "immunocompromised_or_cancer",
        "raised_intracranial_pressure",
        "head_injury_high_risk",
    ):
        assert category in names


def test_an_emergency_told_earlier_counts_until_it_is_said_to_be_long_over(guard):
    history = [
        {"role": "user", "content": "my dad's face is drooping on one side since lunch"},
        {"role": "assistant", "content": "Call 911 now."},
    ]
    assert guard.triage("what pillow is best?", history).emergency
    assert not guard.triage("sorry, all that was 3 years ago, it was fixed", history).emergency


def test_history_is_bounded(guard):
    red_flag = {"role": "user", "content": "worst headache of my life, came on in seconds"}
    filler = [{"role": "user", "content": f"what about posture tip {i}?"} for i in range(10)]
    assert guard.triage("and pillows?", [red_flag, *filler[:9]]).emergency
    assert not guard.triage("and pillows?", [red_flag, *filler]).emergency  # 11 turns back


def test_the_net_reads_only_sentences_about_now(guard):
    readings = guard.readings("ten years ago i collapsed with a brain bleed. all fine since.")
    assert net_inputs(readings) == []
    readings = guard.readings("my husband can't wake up properly and he's mumbling")
    (text, concepts), *_ = net_inputs(readings)
    assert "mumbling" in text and "cannot_wake" in concepts


def test_the_net_alone_catches_a_phrasing_no_rule_names(guard):
    text = "grandad is suddenly talking complete rubbish and can't tell me what year it is"
    triage = guard.triage(text)
    assert triage.net_probability > 0.5
    assert triage.emergency


def test_the_shipped_net_was_trained_on_the_training_files_in_the_repo(embeddings, monkeypatch):
    monkeypatch.chdir(REPO)
    with np.load(NET_FILE) as saved:
        assert str(saved["data_hash"]) == files_hash(training_files(TRAINING)), (
            "knowledge/triage changed: retrain with `python -m assistant.ask.safety.training`"
        )
        assert str(saved["model"]) == embeddings.weights
    assert EmergencyNet.load(embeddings) is not None


def test_a_net_for_another_model_is_switched_off(embeddings, tmp_path):
    with np.load(NET_FILE) as saved:
        np.savez(tmp_path / "net.npz", **{**dict(saved), "model": "another-model"})
    assert EmergencyNet.load(embeddings, tmp_path / "net.npz") is None


def test_fit_sets_the_threshold_for_the_false_alarm_budget():
    rng = np.random.default_rng(0)
    labels = np.array([True] * 200 + [False] * 200)
    vectors = rng.normal(size=(400, 8)) + labels[:, None] * 1.5
    net = fit(vectors, labels)
    assert net["cv_false_alarms"] <= 0.03
    assert net["cv_recall"] > 0.8
    assert net["weights"].shape == (8,)


class DownStore(Store):
    """A real Chroma store that can go down (what a stopped server looks like to the app)."""

    down = False

    def generation(self) -> int:
        if self.down:
            raise StoreError("Chroma server is not reachable")
        return super().generation()


def test_emergencies_are_recognised_when_the_store_is_down(kb_settings, embeddings):
    store = DownStore(kb_settings.data_dir)
    assistant = Assistant(kb_settings, store=store, embeddings=embeddings)
    store.down = True
    reply = assistant.ask(
        "my wife's face is drooping and her speech is slurred, started 10 min ago"
    )
    assert reply.kind == "emergency" and reply.because
    reply = assistant.ask("what exercises help a stiff neck?")
    assert (reply.kind, reply.reason) == ("decline", "unavailable")
    assert "temporarily unavailable" in reply.text and reply.disclaimer
    store.down = False  # back: answers come back by themselves
    assert assistant.ask("what exercises help a stiff neck?").kind == "answer"
