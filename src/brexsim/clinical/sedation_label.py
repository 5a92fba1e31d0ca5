"""Label counts of the sedation-related events (Zulresso and Zurzuvae prescribing information):
the targets of the sedation calibration (:mod:`brexsim.calibration.sedation`, which re-exports
them as ``TARGETS``) and the label rates drawn beside the simulated arms in the trial report
(:mod:`brexsim.trial.figures`). Data only: it imports nothing.

>>> LABEL_COUNTS["somnolence.zulresso"][:2]
(13, 102)
"""

__all__ = ["LABEL_COUNTS", "ZURANOLONE_SOMNOLENCE"]

#: Label counts: name -> (events, patients, source).
LABEL_COUNTS: dict[str, tuple[int, int, str]] = {
    "somnolence.zulresso": (13, 102, "Zulresso PI Table 2: sedation/somnolence 13 % of 102 BRX90"),
    "somnolence.study1-brx60": (8, 38, "Zulresso PI Table 2: 21 % of 38 BRX60"),
    "somnolence.placebo": (6, 107, "Zulresso PI Table 2: 6 % of 107 placebo"),
    "loc.zulresso": (3, 102, "Zulresso PI Table 2: loss of consciousness 3 % of 102 BRX90"),
    "loc.study1-brx60": (2, 38, "Zulresso PI Table 2: 5 % of 38 BRX60"),
    "loc.placebo": (0, 107, "Zulresso PI Table 2: 0 of 107 placebo"),
    "interruption.brexanolone": (
        10,
        140,
        "Zulresso PI section 6.1: dose interruption/reduction for an AE 7 % of all brexanolone",
    ),
    "interruption.placebo": (3, 107, "Zulresso PI section 6.1: 3 % of placebo"),
    "excessive_sedation.brexanolone": (
        7,
        140,
        "Zulresso PI section 5.1 (recalled, R): excessive sedation needing interruption 5 %",
    ),
}
ZURANOLONE_SOMNOLENCE = (0.36, "Zurzuvae PI section 6: somnolence 36 % at 50 mg (6 % placebo)")
