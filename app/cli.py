"""The ``ipr-workbench`` command line (spec §4): a thin layer over the core services.

Every subcommand and flag of the contract is declared here; each handler lives in a module under
``app/cli_commands`` and is imported only when its command runs, so ``--version`` and ``info``
start fast and never load Qt or spaCy. Bad input gives one line on stderr and exit 1; usage
errors exit 2; never a traceback unless ``IPRW_DEBUG=1``.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence

from app import __version__
from app.core.errors import UserError

TYPE_CHECKING = False  # (not typing's: ``--version`` imports neither typing nor argparse)
if TYPE_CHECKING:
    import argparse
    from typing import Any

Handler = Callable[["argparse.Namespace"], int]

COMMANDS = {
    "demo", "init", "info", "check", "import", "video", "utterances", "codebook", "code",
    "agreement", "suggest", "export", "merge", "copy", "audit", "backups", "restore",
    "timeline", "split", "team",
}  # fmt: skip


def _csv_list(value: str) -> list[str]:
    import argparse

    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list")
    return items


def _handler(parser: argparse.ArgumentParser, target: str) -> None:
    parser.set_defaults(handler=target)


def _add_project(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", metavar="PROJECT", help="a .iprw file or a database URL")


class _Unused:
    """Stands in for the parser of a command that is not being run (see ``build_parser``)."""

    def __getattr__(self, _name: str) -> Callable[..., _Unused]:
        return lambda *_args, **_kwargs: self


class _OnlyCommand:
    """The subcommands action, building only ``command``'s parser: declaring the options of all
    twenty commands cost as much as the rest of ``info``'s start-up."""

    def __init__(self, sub: Any, command: str) -> None:
        self._sub = sub
        self._command = command

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        return self._sub.add_parser(name, **kwargs) if name == self._command else _Unused()


def _add_blind(p: argparse.ArgumentParser) -> None:
    """Who reads a blind project (issue #11; see ``app/core/blind_view.py`` and docs/privacy.md)."""
    p.add_argument(
        "--as",
        dest="as_coder",
        metavar="NAME",
        help="who runs this: on a blind project only NAME's own coding is shown (a lead sees "
        "everyone's; recorded in the audit log)",
    )
    p.add_argument(
        "--unblind",
        action="store_true",
        help="on a blind project, show every coder's work anyway; recorded in the project's "
        "audit log (who, when, which command) before anything is shown",
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only`` (a command name) just that command's parser."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="ipr-workbench",
        description="Code IPR transcripts and session videos for alliance rupture and repair.",
        epilog="Run 'ipr-workbench PROJECT' (or no arguments) to open the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"ipr-workbench {__version__}")
    sub: Any = parser.add_subparsers(dest="command", metavar="COMMAND")
    if only is not None:
        sub = _OnlyCommand(sub, only)

    p = sub.add_parser("demo", help="create the demo project (and open it)")
    p.add_argument("--dir", help="folder for demo.iprw (default: your data folder)")
    p.add_argument("--no-gui", action="store_true", help="only build it; print its path")
    _handler(p, "app.cli_commands.demo:cmd_demo")

    p = sub.add_parser("init", help="create a new project")
    _add_project(p)
    p.add_argument(
        "--scheme",
        action="append",
        default=[],
        metavar="NAME|FILE",
        help="bundled scheme name or YAML file (repeatable)",
    )
    _handler(p, "app.cli_commands.project:cmd_init")

    p = sub.add_parser("info", help="counts of what the project holds")
    _add_project(p)
    p.add_argument("--json", action="store_true")
    _add_blind(p)
    _handler(p, "app.cli_commands.info:cmd_info")

    p = sub.add_parser("check", help="integrity: database, foreign keys, spans in range")
    _add_project(p)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--upgrade",
        action="store_true",
        help="first upgrade a project saved by an older version (a backup is made first); "
        "reading commands never upgrade",
    )
    _handler(p, "app.cli_commands.project:cmd_check")

    p = sub.add_parser("import", help="import transcripts (and coding) from files")
    _add_project(p)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--session", metavar="NAME")
    p.add_argument("--kind", choices=["session", "recall"])
    p.add_argument(
        "--format",
        default="auto",
        choices=["auto", "txt", "srt", "vtt", "docx", "csv", "eaf", "qdpx"],
    )
    p.add_argument("--video", metavar="FILE")
    p.add_argument("--speakers", metavar="T=therapist,C=client")
    p.add_argument("--map", metavar="COLUMN=FIELD,...")
    p.add_argument("--code-columns", type=_csv_list, metavar="COL,...")
    p.add_argument("--coder", metavar="NAME")
    p.add_argument("--coder-column", metavar="COL")
    _handler(p, "app.cli_commands.importing:cmd_import")

    p = sub.add_parser("video", help="attach a session video")
    _add_project(p)
    p.add_argument("--session", required=True, metavar="NAME")
    p.add_argument("file", metavar="FILE")
    _handler(p, "app.cli_commands.importing:cmd_video")

    p = sub.add_parser("utterances", help="the transcript(s) as data, both clocks")
    _add_project(p)
    p.add_argument("--session", metavar="NAME")
    p.add_argument("--json", action="store_true")
    _handler(p, "app.cli_commands.importing:cmd_utterances")

    p = sub.add_parser("codebook", help="bundled schemes; import and export codebooks")
    csub = p.add_subparsers(dest="codebook_command", metavar="ACTION", required=True)
    c = csub.add_parser("list", help="list the bundled schemes")
    _handler(c, "app.cli_commands.codebook:cmd_codebook_list")
    c = csub.add_parser("import", help="add codes from .yaml/.yml/.json/.qdc")
    _add_project(c)
    c.add_argument("file", metavar="FILE")
    _handler(c, "app.cli_commands.codebook:cmd_codebook_import")
    c = csub.add_parser("export", help="write the codebook to .yaml/.qdc/.docx")
    _add_project(c)
    c.add_argument("out", metavar="OUT")
    _handler(c, "app.cli_commands.codebook:cmd_codebook_export")

    p = sub.add_parser("code", help="apply a code to an utterance or a time range")
    _add_project(p)
    p.add_argument("--coder", required=True, metavar="NAME")
    p.add_argument("--code", required=True, metavar="PATH")
    p.add_argument("--session", required=True, metavar="NAME")
    p.add_argument(
        "--transcript",
        metavar="NAME",
        help="which transcript of the session (default: its session transcript)",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--utterance", type=int, metavar="N")
    where.add_argument("--from", dest="from_time", metavar="TIME")
    p.add_argument("--to", dest="to_time", metavar="TIME")
    p.add_argument("--memo", default="", metavar="TEXT")
    p.add_argument("--rating", type=int, metavar="N")
    _handler(p, "app.cli_commands.project:cmd_code")

    p = sub.add_parser("agreement", help="inter-rater reliability")
    _add_project(p)
    p.add_argument("--coders", required=True, metavar="A,B[,...]|all")
    p.add_argument("--unit", default="char", metavar="char|utterance|window:SECONDS|session")
    p.add_argument("--codes", type=_csv_list, metavar="PATH,...")
    p.add_argument("--group", metavar="PATH")
    p.add_argument("--sessions", type=_csv_list, metavar="NAME,...")
    p.add_argument("--json", action="store_true")
    _add_blind(p)
    _handler(p, "app.cli_commands.agreement:cmd_agreement")

    p = sub.add_parser("suggest", help="suggested passages (rules + a trained model)")
    ssub = p.add_subparsers(dest="suggest_command", metavar="ACTION", required=True)
    c = ssub.add_parser("train", help="train the model from a coder's segments")
    _add_project(c)
    c.add_argument("--coder", required=True, metavar="NAME")
    c.add_argument("--codes", type=_csv_list, metavar="PATH,...")
    c.add_argument("--sessions", type=_csv_list, metavar="NAME,...")
    _add_blind(c)
    _handler(c, "app.cli_commands.suggest:cmd_suggest_train")
    c = ssub.add_parser("run", help="write pending suggestions")
    _add_project(c)
    c.add_argument("--sessions", type=_csv_list, metavar="NAME,...")
    c.add_argument("--codes", type=_csv_list, metavar="PATH,...")
    c.add_argument("--min-score", type=float, default=None, metavar="X")
    c.add_argument("--coder", metavar="NAME", help="skip codes this coder already applied there")
    _add_blind(c)
    _handler(c, "app.cli_commands.suggest:cmd_suggest_run")
    c = ssub.add_parser("evaluate", help="k-fold evaluation split by session")
    _add_project(c)
    c.add_argument("--coder", required=True, metavar="NAME")
    c.add_argument("--codes", type=_csv_list, metavar="PATH,...")
    c.add_argument("--folds", type=int, default=5, metavar="K")
    c.add_argument("--json", action="store_true")
    _add_blind(c)
    _handler(c, "app.cli_commands.suggest:cmd_suggest_evaluate")

    p = sub.add_parser("export", help="export segments: .csv .docx .xlsx .qdpx .qdc")
    _add_project(p)
    p.add_argument("out", metavar="OUT")
    p.add_argument("--coders", type=_csv_list, metavar="NAME,...")
    p.add_argument("--codes", type=_csv_list, metavar="PATH,...")
    p.add_argument("--sessions", type=_csv_list, metavar="NAME,...")
    p.add_argument("--suggestions", action="store_true", help="include suggestions (CSV)")
    p.add_argument(
        "--deidentify",
        action="store_true",
        help="replace the project's word list of names/places, speakers by role, no video paths",
    )
    p.add_argument("--words", metavar="FILE", help="more words to replace (NAME[=BY] per line)")
    p.add_argument(
        "--no-formula-guard",
        dest="formula_guard",
        action="store_false",
        help="CSV: write text starting = + - @ as it is (default: prefixed with ')",
    )
    p.add_argument(
        "--audit-appendix", action="store_true", help="Word report: append the audit log"
    )
    p.add_argument("--full-codebook", action="store_true",
                   help="Word report: list every code, not only the codes in use")
    _add_blind(p)
    _handler(p, "app.cli_commands.export:cmd_export")

    p = sub.add_parser("merge", help="bring coders' work from copies of the same project")
    p.add_argument("target", metavar="TARGET")
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    _handler(p, "app.cli_commands.project:cmd_merge")

    p = sub.add_parser("split", help="one blind copy per coder (others' coding removed)")
    _add_project(p)
    p.add_argument("--coders", type=_csv_list, required=True, metavar="A,B[,...]")
    p.add_argument("--dir", required=True, metavar="DIR", help="folder for the copies")
    _add_blind(p)
    _handler(p, "app.cli_commands.split:cmd_split")

    p = sub.add_parser("copy", help="copy a project between SQLite and PostgreSQL")
    p.add_argument("src", metavar="SRC")
    p.add_argument("dst", metavar="DST")
    _handler(p, "app.cli_commands.project:cmd_copy")

    p = sub.add_parser("audit", help="the audit log: who changed what, when")
    _add_project(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--last", type=int, metavar="N", help="only the newest N entries")
    _add_blind(p)
    _handler(p, "app.cli_commands.audit:cmd_audit")

    p = sub.add_parser("backups", help="list the project's rotating backups")
    _add_project(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--keep", type=int, metavar="N", help="keep the newest N (default 10; 0: none)")
    _handler(p, "app.cli_commands.backups:cmd_backups")

    p = sub.add_parser("restore", help="restore a backup (the current file is backed up first)")
    _add_project(p)
    p.add_argument("backup", metavar="BACKUP", help="a backup's file name, path or number")
    _handler(p, "app.cli_commands.backups:cmd_restore")

    p = sub.add_parser("timeline", help="one session's rupture timeline as .png or .svg")
    _add_project(p)
    p.add_argument("--session", required=True, metavar="NAME")
    p.add_argument("out", metavar="OUT.png|OUT.svg")
    p.add_argument("--coders", type=_csv_list, metavar="NAME,...")
    p.add_argument("--codes", type=_csv_list, metavar="PATH,...")
    _add_blind(p)
    _handler(p, "app.cli_commands.timeline:cmd_timeline")

    p = sub.add_parser("team", help="coders and leads of a PostgreSQL project (database roles)")
    tsub = p.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    c = tsub.add_parser("add-coder", help="a login role with a coder's (or a lead's) rights")
    c.add_argument("url", metavar="URL", help="the project's postgresql+psycopg:// URL (owner)")
    c.add_argument("name", metavar="NAME", help="the coder's name, also their database role")
    c.add_argument("--lead", action="store_true", help="may edit the codebook, import, adjudicate")
    _handler(c, "app.cli_commands.team:cmd_add_coder")
    return parser


def _resolve(target: str) -> Handler:
    module_name, func_name = target.split(":")
    module = importlib.import_module(module_name)
    handler: Handler = getattr(module, func_name)
    return handler


def open_window(project: str | None) -> int:
    """Open the desktop app (with ``project``). The command line's only import up into the Qt
    layer, made lazily here so commands never load Qt; the import-linter layers contract
    names exactly this import as its one allowed exception."""
    from app.ui.app import run_app

    return run_app(project)


def _open_gui(argv: Sequence[str]) -> int:
    return open_window(argv[0] if argv else None)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--version"]:  # what argparse's version action prints, without argparse
        print(f"ipr-workbench {__version__}")
        return 0
    from app.core.permissions import make_new_files_private

    make_new_files_private()  # clinical text: files we create are owner-only (0600)
    if not args_list or (
        len(args_list) == 1 and args_list[0] not in COMMANDS and not args_list[0].startswith("-")
    ):
        try:
            return _open_gui(args_list)
        except UserError as exc:
            print(f"ipr-workbench: {exc}", file=sys.stderr)
            return 1
    parser = build_parser(only=args_list[0] if args_list[0] in COMMANDS else None)
    args = parser.parse_args(args_list)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    if getattr(args, "to_time", None) and getattr(args, "from_time", None) is None:
        parser.error("--to needs --from")
    if getattr(args, "from_time", None) is not None and getattr(args, "to_time", None) is None:
        parser.error("--from needs --to")
    try:
        return _resolve(args.handler)(args)
    except UserError as exc:
        print(f"ipr-workbench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ipr-workbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("IPRW_DEBUG"):
            raise
        return _report_failure(exc, args)


def _report_failure(exc: BaseException, args: argparse.Namespace) -> int:
    """One line on stderr: a known failure's meaning, or where the private log put the details.

    Never the exception's text: a database error carries its SQL and parameters (clinical text).
    """
    from app.core.db_errors import describe_failure
    from app.core.private_log import log_internal_error

    location = getattr(args, "project", None) or getattr(args, "target", None)
    if isinstance(exc, RecursionError):
        print("ipr-workbench: the input is nested too deeply to read", file=sys.stderr)
        return 1
    if isinstance(exc, MemoryError):
        print("ipr-workbench: not enough memory (is the input far larger than expected?)",
              file=sys.stderr)  # fmt: skip
        return 1
    known = describe_failure(exc, location)
    if known is not None:
        print(f"ipr-workbench: {known}", file=sys.stderr)
        return 1
    log = log_internal_error(exc, getattr(args, "command", "") or "")
    where = f"details are in {log}" if log else "run again with IPRW_DEBUG=1 for details"
    print(
        f"ipr-workbench: internal error ({type(exc).__name__}); {where}; please report it",
        file=sys.stderr,
    )
    return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
