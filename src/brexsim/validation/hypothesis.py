"""Validation records under a mechanism hypothesis: known discrepancies as strict xfails.

A hypothesis (:mod:`brexsim.hypotheses`) lists the record ids it is known to miss, each with
its analysis. :func:`mark_known_discrepancies` gives such a record the status ``known
discrepancy`` when it fails (the analysis is appended to its note) and ``unexpected pass`` when it
passes: a listed miss that starts to pass is a failure of the run, as a strict xfail is, so that
the list stays true. Every other record keeps ``passed`` / ``failed``.
"""

from __future__ import annotations

from dataclasses import replace

from brexsim.validation.records import Record

__all__ = ["count_failures", "mark_known_discrepancies"]


def mark_known_discrepancies(records: list[Record], hypothesis: str) -> list[Record]:
    """Records with the statuses of hypothesis ``hypothesis``.

    >>> r = Record("cytokine.tnfa.basal.hamd_correlation", "tlr", "d", "s", 0.049, "", 0.4, False)
    >>> mark_known_discrepancies([r], "gaba")[0].status
    'known discrepancy'
    >>> mark_known_discrepancies([replace(r, passed=True, status="")], "gaba")[0].status
    'unexpected pass'
    """
    from brexsim.hypotheses import get_hypothesis

    known = get_hypothesis(hypothesis).discrepancies
    out = []
    for r in records:
        if r.id not in known:
            out.append(r)
            continue
        analysis = f"known discrepancy of hypothesis {hypothesis}: {known[r.id]}"
        if r.passed:
            analysis = (
                f"UNEXPECTED PASS: listed as a known discrepancy of hypothesis {hypothesis} "
                f"(remove it from the list if the model now meets it). {analysis}"
            )
        note = f"{r.note}; {analysis}" if r.note else analysis
        status = "unexpected pass" if r.passed else "known discrepancy"
        out.append(replace(r, status=status, note=note))
    return out


def count_failures(records: list[Record]) -> int:
    """Records that fail the run: ``failed`` or ``unexpected pass``.

    >>> count_failures([Record("x", "pk", "d", "s", 1.0, "", 1.0, True)])
    0
    """
    return sum(r.is_failure for r in records)
