"""The README's two commands are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands(text: str, heading: str) -> str:
    section = text.split(f"## {heading}", 1)[1]
    return section.split("```bash", 1)[1].split("```", 1)[0].strip()


def test_ci_runs_the_readme_test_command_word_for_word():
    readme = (ROOT / "README.md").read_text()
    assert _commands(readme, "Tests") in (ROOT / ".ci" / "run").read_text()


def test_quick_start_is_one_line_ending_in_tandem_demo():
    command = _commands((ROOT / "README.md").read_text(), "Quick start")
    assert "\n" not in command and command.endswith("tandem demo")
