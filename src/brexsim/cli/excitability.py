"""``brexsim excitability``: GABA-A potentiation and granule-cell excitability vs concentration.

Writes ``concentration_response.csv`` / ``.parquet`` (one row per free concentration),
``excitability.png`` and ``summary.json`` (apparent EC50, Hill slope and Emax of the simulated
Mtchedlishvili 2001 experiment, the zulresso-Cmax effect, provenance). With ``--regimen`` it also
writes ``timeseries.parquet`` (long format) and ``excitability_time.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from brexsim.cli._app import app, console, run_guarded
from brexsim.errors import input_error

__all__ = ["get_zulresso_cmax_free_nM", "run_excitability"]

_DEFAULT_OUT = Path("results/excitability")

_COLUMNS = {
    "conc_nM": "nM",
    "enhancement_pct": "%",
    "tonic_g_nS": "nS",
    "tonic_current_pA": "pA",
    "tonic_change_pct": "%",
    "phasic_charge_fC": "fC",
    "i_cl_pA": "pA",
    "cl_influx_amol_per_s": "amol/s",
    "delta_v_mV": "mV",
    "rin_MOhm": "MOhm",
    "rheobase_pA": "pA",
    "rate_Hz": "Hz",
    "rate_change_pct": "%",
}

#: columns printed on screen (all of _COLUMNS go to the files)
_SHOWN = (
    "conc_nM",
    "enhancement_pct",
    "tonic_current_pA",
    "delta_v_mV",
    "rin_MOhm",
    "rheobase_pA",
    "rate_Hz",
)


def get_zulresso_cmax_free_nM(weight_kg: float = 70.0, params=None) -> dict[str, float] | None:
    """Free biophase drug and endogenous allopregnanolone (nM) at the zulresso plasma Cmax.

    Returns ``None`` when the PK layer is not installed.
    """
    try:
        from brexsim.dosing import get_preset
        from brexsim.pk import simulate_pk
    except ImportError:  # PK layer not available in this build
        return None
    reg = get_preset("zulresso")
    res = simulate_pk(reg, weight_kg=weight_kg, params=params)
    i = int(np.argmax(res.plasma_drug_ng_per_ml))
    return {
        "time_h": float(res.time_h[i]),
        "plasma_total_ng_per_ml": float(res.plasma_drug_ng_per_ml[i]),
        "drug_free_nM": float(res.drug_biophase_free_nM[i]),
        "endogenous_free_nM": float(res.endogenous_biophase_free_nM[i]),
    }


def _frame(res, enh, tonic_pa, q_fc, ref_t, ref_r):
    import pandas as pd

    return pd.DataFrame(
        {
            "conc_nM": res.conc_nM,
            "enhancement_pct": enh,
            "tonic_g_nS": res.g_tonic_nS,
            "tonic_current_pA": tonic_pa,
            "tonic_change_pct": 100.0 * (res.g_tonic_nS / ref_t - 1.0),
            "phasic_charge_fC": q_fc,
            "i_cl_pA": res.i_cl_pA,
            "cl_influx_amol_per_s": res.cl_influx_amol_per_s,
            "delta_v_mV": res.delta_v_mV,
            "rin_MOhm": res.rin_MOhm,
            "rheobase_pA": res.rheobase_pA,
            "rate_Hz": res.rate_Hz,
            "rate_change_pct": 100.0 * (res.rate_Hz / ref_r - 1.0) if ref_r > 0 else np.nan,
        }
    )


def _plot_concentration(df, ec50: float, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = df["conc_nM"].to_numpy()
    pos = x > 0
    panels = [
        ("enhancement_pct", "isolated-DGC enhancement (%)"),
        ("tonic_current_pA", "tonic current (pA, recording)"),
        ("delta_v_mV", "ΔV at rest (mV)"),
        ("rin_MOhm", "input resistance (MΩ)"),
        ("rheobase_pA", "rheobase (pA)"),
        ("rate_Hz", "rate under drive (Hz)"),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), constrained_layout=True)
    for ax, (col, label) in zip(axes.ravel(), panels, strict=True):
        ax.semilogx(x[pos], df[col].to_numpy()[pos], "o-", ms=3)
        ax.set_ylabel(label)
        ax.set_xlabel("free concentration (nM)")
        ax.grid(alpha=0.3)
    axes[0, 0].axvline(ec50, color="C3", ls=":", label=f"apparent EC50 {ec50:.1f} nM")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_time(t, series: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(series), 1, figsize=(8, 2.0 * len(series)), sharex=True, constrained_layout=True
    )
    for ax, (name, (v, unit)) in zip(axes, series.items(), strict=True):
        ax.plot(t, v)
        ax.set_ylabel(f"{name}\n({unit})", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time from first dose (h)")
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_excitability(
    sensitivity: str,
    delta_state: str,
    out: Path,
    regimen: str | None = None,
    drug: str = "brexanolone",
    weight_kg: float = 70.0,
    n_conc: int = 13,
    conc_max_nM: float = 1000.0,
    dt_h: float = 1.0,
    cl_in_mM: float | None = None,
    target: str = "numpy",
) -> dict[str, Any]:
    """Compute, write the outputs into ``out`` (all or nothing) and return the summary dict."""
    from brexsim.io.outputs import atomic_output_dir, to_long_frame, write_json
    from brexsim.mechanism.gabaa import (
        DELTA_STATES,
        DRUGS,
        SENSITIVITIES,
        get_phasic_charge_fC,
        get_tonic_current_pA,
    )
    from brexsim.mechanism.mtchedlishvili import run_mtchedlishvili, simulate_enhancement_pct
    from brexsim.mechanism.neuron import simulate_excitability
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance

    if sensitivity not in SENSITIVITIES:
        raise input_error("--sensitivity", sensitivity, f"one of {list(SENSITIVITIES)}")
    if delta_state not in DELTA_STATES:
        raise input_error("--delta-state", delta_state, f"one of {list(DELTA_STATES)}")
    if drug not in DRUGS:
        raise input_error("--drug", drug, f"one of {list(DRUGS)}")
    if not (3 <= n_conc <= 200):
        raise input_error("--n-conc", n_conc, "an integer in [3, 200]")
    if not (np.isfinite(conc_max_nM) and 1.0 <= conc_max_nM <= 1e5):
        raise input_error("--conc-max-nM", conc_max_nM, "a number in [1, 100000] nM")
    ps = load_parameters()
    exp = run_mtchedlishvili(sensitivity, ps)

    zul = get_zulresso_cmax_free_nM(weight_kg, ps) if drug == "brexanolone" else None
    grid = np.concatenate([[0.0], np.geomspace(0.1, conc_max_nM, n_conc - 1)])
    extra = [zul["drug_free_nM"]] if zul else []
    conc = np.concatenate([grid, extra])
    res = simulate_excitability(
        conc,
        delta_state=delta_state,
        sensitivity=sensitivity,
        drug=drug,
        cl_in_mM=cl_in_mM,
        params=ps,
        target=target,
    )
    enh = simulate_enhancement_pct(conc, sensitivity, ps, drug=drug)
    tonic_pa = get_tonic_current_pA(conc, delta_state, sensitivity, drug, ps)
    q_fc = get_phasic_charge_fC(conc, delta_state, sensitivity, drug, ps)
    ref_t, ref_r = float(res.g_tonic_nS[0]), float(res.rate_Hz[0])
    df_all = _frame(res, enh, tonic_pa, q_fc, ref_t, ref_r)
    df = df_all.iloc[: grid.size].reset_index(drop=True)

    summary: dict[str, Any] = {
        "ec50_nM": exp.ec50_nM,
        "hill": exp.hill,
        "emax": exp.emax_pct,
        "emax_unit": "% enhancement of the peak current to the test GABA concentration",
        "experiment": "simulated Mtchedlishvili 2001: isolated DGC, peak current, Hill fit",
        "sensitivity": sensitivity,
        "delta_state": delta_state,
        "drug": drug,
        "e_gaba_mV": res.e_gaba_mV,
        "effect_at_rest": res.effect[0],
        "receptor_composition": exp.composition,
        "baseline": {
            "tonic_current_pA": float(tonic_pa[0]),
            "rin_MOhm": float(res.rin_MOhm[0]),
            "rheobase_pA": float(res.rheobase_pA[0]),
            "rate_Hz": ref_r,
        },
        "note": "free concentrations at the receptors; research output, not dosing advice",
    }
    if zul:
        row = df_all.iloc[-1]
        summary["zulresso_cmax"] = {
            **zul,
            "tonic_change_pct": float(row["tonic_change_pct"]),
            "rate_change_pct": float(row["rate_change_pct"]),
            "rheobase_change_pct": float(100 * (row["rheobase_pA"] / res.rheobase_pA[0] - 1)),
            "note": "endogenous free allopregnanolone (~0.016 nM) is not added; drug only",
        }
    ts_frame = None
    series: dict[str, tuple[np.ndarray, str]] = {}
    if regimen is not None:
        try:
            from brexsim.dosing import load_regimen
            from brexsim.pk import get_default_times, simulate_pk
        except ImportError as exc:  # pragma: no cover - PK layer missing
            raise input_error("--regimen", regimen, "a build with the PK layer") from exc
        reg = load_regimen(regimen)
        t = get_default_times(reg, None, dt_h)
        pk = simulate_pk(reg, weight_kg=weight_kg, times_h=t, params=ps)
        c_t, endo_t = pk.drug_biophase_free_nM, pk.endogenous_biophase_free_nM
        r_t = simulate_excitability(
            c_t,
            delta_state=delta_state,
            sensitivity=sensitivity,
            drug=pk.drug,
            endogenous_nM=endo_t,
            cl_in_mM=cl_in_mM,
            params=ps,
            target=target,
        )
        from brexsim.mechanism.gabaa import get_tone_index

        series = {
            "drug_biophase_free_nM": (c_t, "nM"),
            "tonic_g_nS": (r_t.g_tonic_nS, "nS"),
            "tone_index": (
                get_tone_index(c_t, endo_t, drug=pk.drug, sensitivity=sensitivity, params=ps),
                "1",
            ),
            "delta_v_mV": (r_t.delta_v_mV, "mV"),
            "rin_MOhm": (r_t.rin_MOhm, "MOhm"),
            "rheobase_pA": (r_t.rheobase_pA, "pA"),
            "rate_Hz": (r_t.rate_Hz, "Hz"),
        }
        ts_frame = to_long_frame(t, series, subject=1, arm=reg.name)
        k = int(np.argmax(c_t))
        summary["regimen"] = {
            "name": reg.name,
            "drug": pk.drug,
            "peak_time_h": float(t[k]),
            "peak_drug_free_nM": float(c_t[k]),
            "peak_tonic_change_pct": float(100 * (r_t.g_tonic_nS[k] / r_t.g_tonic_nS[0] - 1)),
            "peak_rate_Hz": float(r_t.rate_Hz[k]),
            "rate_at_t0_Hz": float(r_t.rate_Hz[0]),
            "peak_tone_index": float(series["tone_index"][0][k]),
        }
    summary["provenance"] = make_provenance(ps, seed=None)
    title = f"{drug}, {sensitivity} DGC, delta state {delta_state}"
    with atomic_output_dir(out) as tmp:
        df.to_csv(tmp / "concentration_response.csv", index=False)
        df.to_parquet(tmp / "concentration_response.parquet", index=False)
        _plot_concentration(df, exp.ec50_nM, tmp / "excitability.png", title)
        if ts_frame is not None:
            ts_frame.to_parquet(tmp / "timeseries.parquet", index=False)
            _plot_time(t, series, tmp / "excitability_time.png", f"{regimen}: {title}")
        write_json(tmp / "summary.json", summary)
    summary["_table"] = df
    return summary


@app.command("excitability")
def excitability_command(
    sensitivity: str = typer.Option("control", "--sensitivity", help="control or epileptic"),
    delta_state: str = typer.Option(
        "postpartum", "--delta-state", help="virgin, pregnant, postpartum or ppd"
    ),
    out: Path = typer.Option(_DEFAULT_OUT, "--out", help="Output folder"),
    regimen: str = typer.Option(None, "--regimen", help="Also over time for this regimen"),
    drug: str = typer.Option("brexanolone", "--drug", help="Drug of the concentration grid"),
    weight_kg: float = typer.Option(70.0, "--weight-kg", help="Body weight for the PK, kg"),
    n_conc: int = typer.Option(13, "--n-conc", help="Grid points (0 plus log-spaced)"),
    conc_max_nM: float = typer.Option(1000.0, "--conc-max-nM", help="Top of the grid, nM"),
    dt_h: float = typer.Option(1.0, "--dt-h", help="Time step of the regimen outputs, h"),
    cl_in_mM: float = typer.Option(None, "--cl-in-mM", help="Intracellular Cl- (mM)"),
    target: str = typer.Option("numpy", "--target", help="Brian2 target: numpy or cython"),
) -> None:
    """Concentration-response of GABA-A potentiation and granule-cell excitability."""
    s = run_guarded(
        run_excitability,
        sensitivity,
        delta_state,
        out,
        regimen,
        drug,
        weight_kg,
        n_conc,
        conc_max_nM,
        dt_h,
        cl_in_mM,
        target,
    )
    df = s.pop("_table")
    table = Table(title=f"brexsim excitability — {drug}, {sensitivity}, delta state {delta_state}")
    shown = [c for c in _SHOWN if c in df.columns]  # the full table is in the CSV/Parquet
    for col in shown:
        table.add_column(f"{col.rsplit('_', 1)[0]}\n({_COLUMNS[col]})", justify="right")
    for _, row in df.iterrows():
        table.add_row(*(f"{row[c]:.3g}" for c in shown))
    console.print(table)
    console.print(
        f"simulated Mtchedlishvili experiment: apparent EC50 {s['ec50_nM']:.2f} nM, "
        f"Hill {s['hill']:.2f}, Emax {s['emax']:.0f} %"
    )
    z = s.get("zulresso_cmax")
    if z:
        console.print(
            f"zulresso Cmax (70 kg): plasma {z['plasma_total_ng_per_ml']:.1f} ng/mL at "
            f"{z['time_h']:.0f} h -> free biophase drug {z['drug_free_nM']:.2f} nM: tonic current "
            f"{z['tonic_change_pct']:+.1f} %, firing rate {z['rate_change_pct']:+.1f} %"
        )
    if "regimen" in s:
        r = s["regimen"]
        console.print(
            f"regimen {r['name']}: peak free drug {r['peak_drug_free_nM']:.2f} nM at "
            f"{r['peak_time_h']:.0f} h, tonic {r['peak_tonic_change_pct']:+.1f} %, "
            f"rate {r['rate_at_t0_Hz']:.1f} -> {r['peak_rate_Hz']:.1f} Hz, "
            f"tone index {r['peak_tone_index']:.2f}"
        )
    console.print(f"results written to {out}/")
    console.print("[dim]Research output, not dosing advice.[/]")
