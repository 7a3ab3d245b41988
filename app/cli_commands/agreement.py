"""``ipr-workbench agreement``: inter-rater reliability as a table or as spec §4 JSON."""

from __future__ import annotations

import argparse

from app.agreement.icc import MCGRAW_WONG
from app.agreement.report import REPORT_ORDER, AgreementReport, agreement_report
from app.cli_commands.common import blind_view, open_existing, print_json

LABELS = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "scott_pi": "Scott's pi",
    "fleiss_kappa": "Fleiss' kappa",
    "conger_kappa": "Conger's kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "brennan_prediger": "Brennan-Prediger",
}


def cmd_agreement(args: argparse.Namespace) -> int:
    with open_existing(args.project, readonly=True) as project:
        view = blind_view(project, args, "agreement")
        view.require_full(project.location, "agreement shows every compared coder's coding")
        report = agreement_report(
            project,
            args.coders,
            args.unit,
            codes=args.codes,
            group=args.group,
            sessions=args.sessions,
        )
    if args.json:
        print_json(report.to_json_dict())
    else:
        print(format_report(report))
    return 0


def _f(x: float | None, width: int = 8) -> str:
    return f"{'n/a':>{width}}" if x is None else f"{x:>{width}.4f}"


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def format_report(report: AgreementReport) -> str:
    """A plain-text table for the terminal: coefficients with 95% intervals, then per code."""
    lines = [
        f"Agreement of {', '.join(report.coders)} - unit: {report.unit}, "
        f"{_n(report.n_units)} units in scope"
        + (f", group {report.group}" if report.group else ""),
        "",
        f"{'coefficient':<22}{'value':>8}   95% interval (bootstrap, {report.resamples} resamples "
        f"of {report.cluster}s)",
    ]
    for name in REPORT_ORDER:
        value = report.overall.get(name)
        if name not in report.overall or (value is None and name in ("cohen_kappa", "scott_pi")):
            continue
        lo, hi = report.ci95.get(name, (None, None))
        ci = "" if lo is None or hi is None else f"   [{lo:.4f}, {hi:.4f}]"
        lines.append(f"{LABELS[name]:<22}{_f(value)}{ci}")
    if report.unitized:
        u = report.unitized
        lines += ["", "unitizing (character continuum):"]
        for key in ("u_alpha", "bar_u_alpha", "cu_alpha", "Cu_alpha", "alpha_U_1995"):
            lines.append(f"  {key:<20}{_f(u.get(key))}")
    if report.matching:
        items = report.matching["items"]
        lines += ["", f"segments (overlap >= {report.matching['threshold']:.2f}): "
                  + ", ".join(f"{n} {kind}" for kind, n in items.items())]  # fmt: skip
    lines += ["", "per code (applied / not applied):"]
    two = len(report.coders) == 2
    head = f"  {'code':<40}{'units':>8}{'both':>8}{'neither':>9}"
    head += f"{'kappa':>8}" if two else f"{'Fleiss':>8}"
    head += f"{'alpha':>8}"
    lines.append(head)
    for c in report.per_code:
        k = c.coefficients.get("cohen_kappa" if two else "fleiss_kappa")
        lines.append(
            f"  {c.code[:40]:<40}{_n(c.n_units):>8}{_n(c.both):>8}{_n(c.neither):>9}"
            f"{_f(k)}{_f(c.coefficients.get('krippendorff_alpha'))}"
        )
    rated = [c for c in report.per_code if c.coefficients.get("rated_units")]
    if rated:
        lines += ["", "ratings (Krippendorff's alpha where coders applied and rated the code):"]
        for c in rated:
            lines.append(
                f"  {c.code[:40]:<40}{c.coefficients['rated_units']:>8} units"
                f"  ordinal{_f(c.coefficients.get('rating_alpha_ordinal'))}"
                f"  interval{_f(c.coefficients.get('rating_alpha_interval'))}"
            )
    lines += icc_lines(report)
    return "\n".join(lines)


def icc_lines(report: AgreementReport) -> list[str]:
    """The ICC block: pooled over rated codes, then ICC(2,1) per rated code, then warnings."""
    if report.icc is None:
        return [f"warning: {w}" for w in report.warnings]
    lines = ["", f"ICC of ratings ({report.icc_units} units every coder rated; Shrout & Fleiss "
             "1979, F-based 95% intervals):"]  # fmt: skip
    for name, form in report.icc.items():
        lo, hi = form["ci95"]
        ci = "" if lo is None or hi is None else f"   [{lo:.4f}, {hi:.4f}]"
        lines.append(f"  {name:<10}{_f(form['value'])}{ci}   {MCGRAW_WONG[name]}")
    for c in report.per_code:
        if c.icc:
            lines.append(f"  {c.code[:40]:<40} ICC(2,1){_f(c.icc['ICC(2,1)']['value'])}")
    return lines + [f"warning: {w}" for w in report.warnings]
