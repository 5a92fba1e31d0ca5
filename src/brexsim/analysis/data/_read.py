"""Biomarker data, reading CSV/Excel files in long or wide layout (split from ``data``; see the
package docstring).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from brexsim.analysis.data._validate import validate_biomarkers
from brexsim.errors import BrexsimInputError

# ------------------------------------------------------------------------------------------
# reading


def read_biomarkers(path: str | Path) -> pd.DataFrame:
    """Read and validate a biomarker file (CSV or Parquet, long or wide format).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (or ``.csv.gz``, ``.tsv``) or ``.parquet`` file.

    Returns
    -------
    DataFrame
        The canonical long frame (see :func:`validate_biomarkers`).

    Raises
    ------
    BiomarkerDataError
        Listing every problem found, with the offending lines.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("subject,time_h,TNFa [pg/mL],HAMD17\\n1,0,5.0,28\\n1,60,3.5,12\\n")
    >>> df = read_biomarkers(p)
    >>> for row in df[["analyte", "time_h", "value", "unit"]].values.tolist():
    ...     print(row)
    ['HAMD17', 0.0, 28.0, 'points']
    ['HAMD17', 60.0, 12.0, 'points']
    ['TNFa', 0.0, 5.0, 'pg/mL']
    ['TNFa', 60.0, 3.5, 'pg/mL']
    """
    path = Path(path)
    if not path.is_file():
        raise BrexsimInputError("file", str(path), "an existing CSV or Parquet file")
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith((".parquet", ".pq")):
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types
            raise BrexsimInputError("file", str(path), f"a readable Parquet file ({exc})") from exc
        kind = "row"
    elif suffixes.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        sep = "\t" if suffixes.endswith(".tsv") else ","
        try:
            frame = pd.read_csv(path, dtype=str, sep=sep, skipinitialspace=True)
        except Exception as exc:
            raise BrexsimInputError("file", str(path), f"a readable CSV file ({exc})") from exc
        kind = "line"
    else:
        raise BrexsimInputError("file", str(path), "a file ending in .csv, .tsv or .parquet")
    return validate_biomarkers(frame, source=path.name, row_kind=kind)
