"""The package layout: what README's architecture picture says, held true.

The layers themselves are import-linter's contracts (pyproject.toml, `lint-imports` in
`make test`); these tests hold what a contract cannot say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import grimp
import pytest

from factcheck.cli import COMMANDS, main

PACKAGE = Path(__file__).resolve().parent.parent / "factcheck"


def test_at_most_six_modules_sit_directly_in_the_package():
    modules = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(modules) <= 6, modules


def test_every_folder_of_the_package_is_a_package_that_says_what_it_owns():
    for folder in PACKAGE.iterdir():
        if not folder.is_dir() or folder.name in ("static", "__pycache__"):
            continue
        init = folder / "__init__.py"
        assert init.exists(), folder.name
        assert init.read_text(encoding="utf-8").startswith('"""'), f"{folder.name} has no docstring"


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in on_stack:
                lowest[module] = min(lowest[module], index[imported])
        if lowest[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_one_that_imports_it_back():
    # grimp reads every import statement, those inside functions too.
    graph = grimp.build_graph("factcheck", "tasks")
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path, monkeypatch):
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loop.b import two\n")
    (package / "b.py").write_text("def two():\n    from loop.c import three\n")
    (package / "c.py").write_text("import loop.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles(grimp.build_graph("loop", cache_dir=None)) == [["loop.a", "loop.b", "loop.c"]]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_is_found_under_its_name(name):
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command)
    assert command.name == name


def test_extract_loads_neither_the_database_nor_the_web_nor_the_workers():
    probe = (
        "import sys\n"
        "from factcheck.cli import main\n"
        "try:\n"
        "    main(['extract', '-', '--format', 'text'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'flask', 'celery', 'tasks', 'factcheck.db',\n"
        "         'factcheck.models', 'factcheck.web', 'httpx')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input="The minister said the bridge would open in May.\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
