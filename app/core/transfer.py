"""Copy a whole project between SQLite and PostgreSQL (``ipr-workbench copy``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, insert, select, text

from app.core.errors import ProjectError
from app.core.models import Base
from app.core.project import Project, create_project, open_project

BATCH = 5000
#: Caches of derived data: not the project's data, so never copied (recomputed where needed).
DERIVED = frozenset({"utterance_embedding"})


def _is_empty(project: Project) -> bool:
    with project.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "project_meta" or table.name in DERIVED:
                continue
            if conn.execute(select(func.count()).select_from(table)).scalar():
                return False
    return True


def copy_project(src: str | Path, dst: str | Path) -> dict[str, int]:
    """Copy every row, ids and GUIDs included; the target must be new or empty."""
    with open_project(src) as source:
        target = create_project(dst)
        ok = False
        try:
            if not _is_empty(target):
                raise ProjectError(f"{target.location}: the target already holds a project")
            counts: dict[str, int] = {}
            with source.engine.connect() as read, target.engine.begin() as write:
                for table in Base.metadata.sorted_tables:
                    if table.name in DERIVED:
                        continue
                    if table.name == "project_meta":
                        write.execute(table.delete())
                    rows = read.execute(select(table)).mappings()
                    n = 0
                    batch: list[dict[str, object]] = []
                    for row in rows:
                        batch.append(dict(row))
                        if len(batch) >= BATCH:
                            write.execute(insert(table), batch)
                            n += len(batch)
                            batch = []
                    if batch:
                        write.execute(insert(table), batch)
                        n += len(batch)
                    counts[table.name] = n
                if target.engine.dialect.name == "postgresql":
                    for table in Base.metadata.sorted_tables:
                        if "id" in table.c and table.c.id.autoincrement:
                            write.execute(
                                text(
                                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                                )
                            )
            ok = True
        finally:
            target.close()
            if not ok and target.path is not None:
                # Leave nothing half-written: a failed copy removes the new file.
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target.path}{suffix}").unlink(missing_ok=True)
    return counts
