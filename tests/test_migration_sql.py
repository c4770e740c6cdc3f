"""SQL that a migration runs lives in files named after that migration (`<app>/migrations/sql/`) and is
never edited once committed: a database migrated before an edit would keep the old functions, and a
reverse migration would run today's text instead of what it once undid. A change is a new migration.

The history check needs git and the full history (CI clones it); without them the test fails, unless
MIGRATION_SQL_CHECK=off says the run knowingly goes without it (a source archive, a shallow clone).
"""

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
MIGRATION_DIRS = sorted(p for p in ROOT.glob("*/migrations") if (p / "__init__.py").exists())
SQL_FILES = sorted(p for d in MIGRATION_DIRS for p in (d / "sql").glob("*.sql"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _migration_modules(migrations_dir: Path) -> list[Path]:
    return sorted(p for p in migrations_dir.glob("[0-9]*.py"))


def _sql_names_read(module: Path) -> set[str]:
    """Every string literal naming a .sql file in the migration's source."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".sql")
    }


def _owner(sql_file: Path) -> str:
    """The migration a file belongs to by name: the longest migration name its stem equals or starts with + "_"."""
    names = [m.stem for m in _migration_modules(sql_file.parent.parent)]
    owners = [n for n in names if sql_file.stem == n or sql_file.stem.startswith(n + "_")]
    return max(owners, key=len) if owners else ""


def test_the_scan_finds_the_sql_files():
    # Guards the test itself: a moved directory must not turn every check below into a loop over nothing.
    assert {_rel(p) for p in SQL_FILES} >= {
        "catalog/migrations/sql/0008_listing.sql",
        "certificates/migrations/sql/0003_ledger_triggers.sql",
    }


def test_every_migration_reads_only_its_own_sql_files():
    wrong = []
    for migrations_dir in MIGRATION_DIRS:
        for module in _migration_modules(migrations_dir):
            for name in _sql_names_read(module):
                path = migrations_dir / "sql" / name
                if "/" in name or not path.exists() or _owner(path) != module.stem:
                    wrong.append(f"{_rel(module)} reads {name!r}")
    assert not wrong, "a migration may read only sql/<its own name>*.sql:\n" + "\n".join(wrong)


def test_every_sql_file_belongs_to_exactly_one_migration_that_reads_it():
    readers = {}
    for migrations_dir in MIGRATION_DIRS:
        for module in _migration_modules(migrations_dir):
            for name in _sql_names_read(module):
                readers.setdefault(migrations_dir / "sql" / name, []).append(module.stem)
    wrong = []
    for path in SQL_FILES:
        owner = _owner(path)
        if not owner:
            wrong.append(f"{_rel(path)}: no migration module named like it")
        elif readers.get(path) != [owner]:
            wrong.append(f"{_rel(path)}: read by {readers.get(path, [])}, expected [{owner!r}]")
    assert not wrong, "\n".join(wrong)


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


@pytest.fixture
def git_history():
    if os.environ.get("MIGRATION_SQL_CHECK", "").lower() == "off":
        pytest.skip("MIGRATION_SQL_CHECK=off")
    hint = " (set MIGRATION_SQL_CHECK=off to run without the history check)"
    if shutil.which("git") is None:
        pytest.fail("git is not installed: cannot check that migration SQL files were never edited" + hint)
    try:
        toplevel = Path(_git("rev-parse", "--show-toplevel")).resolve()
        shallow = _git("rev-parse", "--is-shallow-repository") == "true"
    except RuntimeError as error:
        pytest.fail(f"no git repository: cannot check that migration SQL files were never edited: {error}" + hint)
    if toplevel != ROOT:
        pytest.fail(f"the git repository at {toplevel} is not this project's ({ROOT})" + hint)
    if shallow:
        pytest.fail("shallow clone: the history of the migration SQL files is incomplete" + hint)


@pytest.mark.usefixtures("git_history")
@pytest.mark.parametrize("sql_file", SQL_FILES, ids=_rel)
def test_sql_file_unchanged_since_the_commit_that_added_it(sql_file):
    """The working copy is the same bytes as the file in the commit that first added it.

    The path's own history only (no --follow): a file created by copying an older one is a new file.
    A file not yet committed has nothing to compare with and passes; once committed, it is frozen. An
    edit that was reverted passes again, so that reverting is the way out of a failure here.
    """
    path = _rel(sql_file)
    current = _git("hash-object", "--", path)
    added = _git("log", "--full-history", "--no-renames", "--diff-filter=A", "--format=%H", "--", path).split()
    if not added:
        return
    first = _git("rev-parse", f"{added[-1]}:{path}")
    assert current == first, (
        f"{path} differs from the version its commit {added[-1][:12]} added ({first[:12]}; now {current[:12]}). "
        "Restore what the migration first ran and carry the change in a new migration with its own files."
    )


# What the forward files leave behind, read in migration order: the body of the last CREATE of each
# function, or nothing after a DROP. Bodies are $$-quoted in every file, so prosrc is the text between.
CREATE = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+)\s*\(.*?\)\s*RETURNS\s.*?\bAS\s+\$\$(.*?)\$\$", re.S | re.I
)
DROP = re.compile(r"DROP\s+FUNCTION\s+(?:IF\s+EXISTS\s+)?(\w+)", re.I)


def _functions_installed_by_files() -> dict[str, str]:
    functions = {}
    for path in SQL_FILES:  # sorted by app, then migration number
        if path.stem.endswith("_reverse"):
            continue
        text = path.read_text(encoding="utf-8")
        events = [(m.start(), m.group(1), m.group(2)) for m in CREATE.finditer(text)]
        events += [(m.start(), m.group(1), None) for m in DROP.finditer(text)]
        for _, name, body in sorted(events, key=lambda e: e[0]):
            if body is None:
                functions.pop(name, None)
            else:
                functions[name] = body
    return functions


def _functions_in_database() -> dict[str, list[str]]:
    """The project's own functions in the public schema (not those of extensions such as pg_trgm)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.proname, p.prosrc
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            """
        )
        found = {}
        for name, source in cursor.fetchall():
            if name.startswith(LIBRARY_FUNCTIONS):
                continue
            found.setdefault(name, []).append(source)
    return found


# The audit trail's triggers (core/audit.py) are declared on the models and written by django-pgtrigger's
# migration operations, which check them against their declarations by hash; they have no SQL file.
LIBRARY_FUNCTIONS = ("pgtrigger_", "_pgtrigger_", "_pgh_")


@pytest.mark.django_db
def test_migrated_database_has_exactly_the_functions_of_the_latest_sql_files():
    expected = _functions_installed_by_files()
    found = _functions_in_database()

    assert sorted(found) == sorted(expected)
    assert {name: sources for name, sources in found.items() if len(sources) > 1} == {}, "overloads are not tracked"
    differ = sorted(name for name, body in expected.items() if found[name] != [body])
    assert not differ, f"the database's definitions differ from the latest migration SQL: {differ}"


@pytest.mark.django_db
def test_account_totals_guard_refuses_moving_an_account():
    # The money guard that once reached only databases migrated after an in-place edit (migration 0004).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('certificates_account_totals_guard'::regproc)")
        (definition,) = cursor.fetchone()
    assert "(NEW.certificate_id, NEW.period_id) IS DISTINCT FROM (OLD.certificate_id, OLD.period_id)" in definition
    assert "cannot move to another certificate or period" in definition
