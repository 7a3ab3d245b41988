"""``backups PROJECT [--json] [--keep N]`` and ``restore PROJECT BACKUP``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli_commands.common import open_existing, print_json
from app.core.audit import record
from app.core.backups import DEFAULT_KEEP, list_backups, restore
from app.core.errors import UserError
from app.core.project import is_url


def _project_path(target: str) -> Path:
    if is_url(target):
        raise UserError(f"{target}: backups are for .iprw files; a server database has its own")
    path = Path(target).expanduser().resolve()
    if not path.is_file():
        raise UserError(f"{path}: no project file here")
    return path


def cmd_backups(args: argparse.Namespace) -> int:
    path = _project_path(args.project)
    if args.keep is not None:
        from app.core.backup_setting import set_backup_keep

        if args.keep < 0:  # refused before the project is opened
            raise UserError(f"--keep {args.keep}: expected 0 (no backups) or more")
        with open_existing(args.project) as project:
            set_backup_keep(project, args.keep)
    backups = list_backups(path)
    if args.json:
        print_json([b.to_json() for b in backups])
        return 0
    if args.keep is not None:
        print(f"keeping the newest {args.keep} backups of {path.name}")
    if not backups:
        print(f"no backups of {path.name} yet (one is made when a changed project is opened)")
    for number, b in enumerate(backups, start=1):
        when = b.created.isoformat(sep=" ", timespec="seconds")
        print(f"{number:>3}  {when}  {b.size / 1e6:8.2f} MB  {b.reason:<15} {b.name}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    path = _project_path(args.project) if Path(args.project).exists() else Path(args.project)
    source, before = restore(path, args.backup, keep=None)
    with open_existing(str(path)) as project:
        record(
            project, "restore", f"from backup {source.name}; previous file kept as {before.name}"
        )
    print(f"restored {path} from {source.name}; the file as it was is now the backup {before.name}")
    return 0


def newest_good_backup_line(target: str) -> str | None:
    """For ``check``: where the newest sound backup is and how to restore it."""
    from app.core.backups import newest_good_backup

    if is_url(target):
        return None
    path = Path(target).expanduser().resolve()
    good = newest_good_backup(path)
    if good is None:
        return f"no sound backup found in {path.name}.backups/"
    when = good.created.isoformat(sep=" ", timespec="seconds")
    return (
        f"newest sound backup: {good.name} ({when}); restore it with: "
        f"ipr-workbench restore {target} {good.name}"
    )


__all__ = ["DEFAULT_KEEP", "cmd_backups", "cmd_restore", "newest_good_backup_line"]
