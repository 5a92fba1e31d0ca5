"""The phenobarbital neonatal model ("pheno", Grasela & Donn 1985) as a user writes it.

NONMEM control stream (pharmpy-core 2.1.1 ``pheno.mod``)::

    $PK  TVCL = THETA(1)*WGT;  TVV = THETA(2)*WGT;  IF(APGR.LT.5) TVV = TVV*(1 + THETA(3))
         CL = TVCL*EXP(ETA(1));  V = TVV*EXP(ETA(2));  S1 = V
    $ERROR  Y = F + F*EPS(1)
    $THETA (0,0.00469307) (0,1.00916) (-.99,.1)   $OMEGA 0.0309626 0.031128   $SIGMA 0.0130865

One-compartment IV bolus (ADVAN1 TRANS2); units: TIME h, AMT mg, WGT kg, DV mg/L (µg/mL),
CL L/h, V L. The initial values are the control stream's.

Examples
--------
>>> [t.name for t in model.thetas]
['THETA1', 'THETA2', 'THETA3']
"""

from __future__ import annotations

import jax.numpy as jnp

from brexsim.estimation.model import NLMEModel, Parameter
from brexsim.estimation.pk import one_compartment


def predict(theta, eta, subject):  # type: ignore[no-untyped-def]
    """Individual concentrations (mg/L) at the subject's observation times."""
    wgt, apgr = subject.cov["WGT"], subject.cov["APGR"]
    cl = theta["THETA1"] * wgt * jnp.exp(eta[0])
    tvv = theta["THETA2"] * wgt * jnp.where(apgr < 5, 1.0 + theta["THETA3"], 1.0)
    v = tvv * jnp.exp(eta[1])
    return one_compartment(subject, cl, v)


model = NLMEModel(
    name="pheno",
    thetas=(
        Parameter("THETA1", 0.00469307, 0.0, unit="L/h/kg"),  # POP_CL
        Parameter("THETA2", 1.00916, 0.0, unit="L/kg"),  # POP_VC
        Parameter("THETA3", 0.1, -0.99, unit="1"),  # COVAPGR
    ),
    etas=("ETA_CL", "ETA_VC"),
    omega=((0.0309626, 0.0), (0.0, 0.031128)),
    omega_names=("OMEGA11", "OMEGA22"),
    sigmas=(Parameter("SIGMA11", 0.0130865, 0.0, unit="1"),),
    predict=predict,
    error="proportional",
    covariates=("WGT", "APGR"),
    description="phenobarbital in neonates, Grasela & Donn 1985 (pharmpy-core 2.1.1 pheno.mod)",
)
