"""Templates and example lists: the clinic's copy in data/texts replaces the shipped one."""

from assistant.texts import disclaimer_for, read_examples, read_text, render
from tests.helpers import make_settings


def test_render_fills_settings_and_an_override_replaces_the_template(tmp_path):
    settings = make_settings(tmp_path / "data", clinic_name="Neck & Co", emergency_number="112")
    shipped = render("emergency.md", settings)
    assert "112" in shipped
    settings.texts_dir.mkdir(parents=True)
    (settings.texts_dir / "emergency.md").write_text("Call {emergency_number}. {clinic_name}.\n")
    assert render("emergency.md", settings) == "Call 112. Neck & Co."
    assert read_text("disclaimer.md", settings.texts_dir) == read_text("disclaimer.md")


def test_emergencies_get_their_own_disclaimer(tmp_path):
    settings = make_settings(tmp_path / "data")
    assert disclaimer_for("emergency", settings) != disclaimer_for("answer", settings)
    assert disclaimer_for("decline", settings) == disclaimer_for("answer", settings)


def test_example_lists_drop_comments_blank_lines_and_sections(tmp_path):
    (tmp_path / "off-topic.txt").write_text("[taxes]\n# a comment\n\nfile my tax return  # why\n")
    assert read_examples("off-topic.txt", tmp_path) == ["file my tax return"]
    assert len(read_examples("off-topic.txt")) > 10  # the shipped list
