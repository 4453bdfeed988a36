"""House conventions on a change: the new units a change adds that lack a strongly held convention, and the units
the repo had that a change strips of one. The conventions themselves are mined in `conventions`."""

from __future__ import annotations

from assistant.inputs.repo_files import RepoFile
from assistant.stack.conventions import MEASURES, Convention, ConventionReport, holds
from assistant.stack.unit_traits import backup_registrations, has_backup, routes
from assistant.stack.units import Unit, units_and_files, workload_names


def breaks(report: ConventionReport, new_files: list[RepoFile]) -> list[tuple[Unit, Convention, bool]]:
    """The units that `new_files` add (workloads the repo did not have), each strongly held convention they lack, and
    whether the unit is backed up (in itself or on a central list). Backup lists may be edited by the same change, so
    the central lists are the repo's and the change's."""
    units, parsed = units_and_files(new_files)
    registered = report.backup_names | backup_registrations(parsed, units)
    measures = {m.id: m for m in MEASURES}
    out: list[tuple[Unit, Convention, bool]] = []
    for unit in units:
        if report.had(unit):
            continue
        for c in report.strong():
            m = measures.get(c.id)
            if c.id == "gateway-route":
                gateways = routes(unit)
                broken = bool(gateways) and c.house not in gateways
            else:
                broken = m is not None and m.applies(unit) and not holds(m, unit, registered, report.policed)
            if broken:
                out.append((unit, c, has_backup(unit, registered)))
    return out


def lost(report: ConventionReport, before: list[RepoFile], after: list[RepoFile]) -> list[tuple[Unit, Convention]]:
    """Units the repo already had that held a strong convention before a change and not after it: the change takes
    it away (a deleted NetworkPolicy, a backup component dropped from the unit). `before` and `after` are the files of
    the touched units, as the repo has them and as the change leaves them; a unit the change deletes whole is gone,
    not in breach."""
    known = set(report.units)
    before_units, before_parsed = units_and_files(before)
    after_units, after_parsed = units_and_files(after)
    now = {u.path: u for u in after_units}
    was_registered = report.backup_names | backup_registrations(before_parsed, before_units)
    registered = report.backup_names | backup_registrations(after_parsed, after_units)
    measures = {m.id: m for m in MEASURES}
    out: list[tuple[Unit, Convention]] = []
    for old in before_units:
        new = now.get(old.path)
        if old.path not in known or new is None or workload_names(new) - workload_names(old):
            continue  # gone, or a new release beside the old ones: measured as a new unit (`breaks`)
        for c in report.strong():
            m = measures.get(c.id)
            if m is None or not m.applies(old):
                continue
            held = holds(m, old, was_registered, report.policed)
            still = holds(m, new, registered, report.policed)
            if held and not still:
                out.append((new, c))
    return out
