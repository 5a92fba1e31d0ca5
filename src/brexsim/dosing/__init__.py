"""Dosing: regimens, presets, interruptions, NONMEM event tables.

Units: h, µg/kg/h (IV), mg (oral, NONMEM AMT), mg/h (NONMEM RATE), kg.
"""

from brexsim.dosing.files import (
    get_preset,
    get_preset_names,
    load_regimen,
    read_regimen_file,
    regimen_to_toml,
)
from brexsim.dosing.nonmem import NonmemDataset, read_nonmem, regimen_to_nonmem, write_nonmem
from brexsim.dosing.regimen import (
    Interruption,
    IVSegment,
    OralDose,
    Regimen,
    get_segment_doses_ug_per_kg,
    get_total_dose,
    interrupt,
)

__all__ = [
    "IVSegment",
    "Interruption",
    "NonmemDataset",
    "OralDose",
    "Regimen",
    "get_preset",
    "get_preset_names",
    "get_segment_doses_ug_per_kg",
    "get_total_dose",
    "interrupt",
    "load_regimen",
    "read_nonmem",
    "read_regimen_file",
    "regimen_to_nonmem",
    "regimen_to_toml",
    "write_nonmem",
]
