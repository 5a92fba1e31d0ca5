"""Biomarker analysis on real or simulated data: reading and validation, statistics (paired
tests, FDR, correlation with HAM-D-17, mixed models), response prediction and reports.

The statistics layer needs no solver: it works on the canonical long frame
(``subject, time_h, analyte, stimulus, value`` [+ ``unit, arm, visit``]).

Examples
--------
>>> from brexsim.analysis import analyze_biomarkers, make_example_dataset
>>> res = analyze_biomarkers(make_example_dataset(seed=0), post_h=60, mixed=False)
>>> list(res.table.columns[:4])
['analyte', 'stimulus', 'time_h', 'n']
"""

from brexsim.analysis.data import (
    ALLOWED_UNITS,
    ANALYTE_CLASSES,
    HAMD_ANALYTE,
    STIMULI,
    BiomarkerDataError,
    make_example_dataset,
    read_biomarkers,
    validate_biomarkers,
)
from brexsim.analysis.predict import (
    ResponsePredictor,
    TrainedModel,
    build_features,
    build_outcome,
    cross_validate_predictor,
    load_model,
    predict_patients,
    save_model,
    train_response_model,
)
from brexsim.analysis.stats import (
    TABLE_COLUMNS,
    TRANSFORMS,
    AnalysisResult,
    analyze_biomarkers,
    compute_change_table,
    fit_mixed_models,
    get_hamd_summary,
    get_missing_report,
    transform_values,
)

__all__ = [
    "ALLOWED_UNITS",
    "ANALYTE_CLASSES",
    "HAMD_ANALYTE",
    "STIMULI",
    "TABLE_COLUMNS",
    "TRANSFORMS",
    "AnalysisResult",
    "BiomarkerDataError",
    "ResponsePredictor",
    "TrainedModel",
    "analyze_biomarkers",
    "build_features",
    "build_outcome",
    "compute_change_table",
    "cross_validate_predictor",
    "fit_mixed_models",
    "get_hamd_summary",
    "get_missing_report",
    "load_model",
    "make_example_dataset",
    "predict_patients",
    "read_biomarkers",
    "save_model",
    "train_response_model",
    "transform_values",
    "validate_biomarkers",
]
