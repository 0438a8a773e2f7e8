"""``zeroseg --help`` lists every command without importing any (``cli.index`` reads their declarations),
and running a command imports that command's module alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from zeroseg.cli import COMMANDS
from zeroseg.cli.index import Declared, _declared_in, command_index


def test_the_index_is_what_the_commands_register():
    assert [(d.name, d.help, d.module) for d in command_index()] == \
        [(e.name, e.contract["help"], e.module) for e in COMMANDS.entries()]


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_imports_no_command_and_no_torch():
    out = _fresh("""
        import contextlib, io, sys
        from zeroseg.cli.main import main
        with contextlib.redirect_stdout(io.StringIO()) as text:
            try:
                main(["--help"])
            except SystemExit:
                pass
        loaded = sorted(m for m in sys.modules if m.startswith("zeroseg.cli.commands."))
        print("torch" in sys.modules, loaded, "discover-joint" in text.getvalue())
    """)
    assert out.split() == ["False", "[]", "True"]


def test_a_command_imports_its_own_module_alone():
    out = _fresh("""
        import sys
        from zeroseg.cli.main import main
        assert main(["spaces", "list"]) == 0
        print(sorted(m for m in sys.modules if m.startswith("zeroseg.cli.commands.")))
    """)
    assert out.strip().splitlines()[-1] == "['zeroseg.cli.commands.spaces']"


def test_a_declaration_that_is_not_literal_is_read_by_importing_its_module(tmp_path):
    (tmp_path / "late_command.py").write_text(textwrap.dedent("""
        from zeroseg.cli import command
        NAME, HELP = "late", "a command whose name is a variable"

        @command(NAME, help=HELP)
        class Late:
            pass
    """))
    out = _fresh(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(tmp_path)!r})
        from zeroseg.cli.index import _declared_in
        print(_declared_in(Path({str(tmp_path / "late_command.py")!r}), "late_command"))
    """)
    assert out.strip() == repr([Declared("late", "a command whose name is a variable", "late_command")])
    literal = tmp_path / "plain_command.py"
    literal.write_text('@command("plain", help="literal")\nclass Plain:\n    pass\n')
    assert _declared_in(literal, "plain_command") == [Declared("plain", "literal", "plain_command")]  # not imported
