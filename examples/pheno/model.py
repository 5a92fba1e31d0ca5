"""Phenobarbital in neonates (Grasela & Donn 1985), written as a brexsim user model file.

The parameters are named as NONMEM numbers them in ``pheno.mod`` (this folder), so the fit's
``parameters.csv`` reads against ``pheno.ext`` / ``pheno.lst`` row by row::

    $PK   TVCL = THETA(1)*WGT
          TVV  = THETA(2)*WGT
          IF(APGR.LT.5) TVV = TVV*(1 + THETA(3))
          CL = TVCL*EXP(ETA(1));  V = TVV*EXP(ETA(2));  S1 = V
    $ERROR  Y = F + F*EPS(1)
    $THETA (0,0.00469307) (0,1.00916) (-.99,.1)
    $OMEGA 0.0309626 0.031128
    $SIGMA 0.0130865

One-compartment IV bolus (ADVAN1 TRANS2). Units: TIME h, AMT mg, WGT kg, DV mg/L; CL L/h,
V L. Initial values and bounds: the control stream's. Run it with::

    brexsim fit examples/pheno/pheno.dta --model examples/pheno/model.py --method focei \\
        --out results/pheno

A model file defines ``model`` (an ``NLMEModel``) or ``get_model()``; ``predict(theta, eta,
subject)`` returns the individual predictions at ``subject.obs_time`` and is written with
``jax.numpy`` (it is differentiated and vectorised over the subjects).
"""

import jax.numpy as jnp

from brexsim.estimation.model import NLMEModel, Parameter
from brexsim.estimation.pk import one_compartment


def predict(theta, eta, subject):  # type: ignore[no-untyped-def]
    """Concentrations (mg/L) of one subject at its observation times."""
    wgt, apgr = subject.cov["WGT"], subject.cov["APGR"]
    cl = theta["THETA1"] * wgt * jnp.exp(eta[0])
    tvv = theta["THETA2"] * wgt * jnp.where(apgr < 5, 1.0 + theta["THETA3"], 1.0)
    v = tvv * jnp.exp(eta[1])
    return one_compartment(subject, cl, v)


model = NLMEModel(
    name="pheno_example",
    thetas=(
        Parameter("THETA1", 0.00469307, 0.0, unit="L/h/kg"),  # $THETA (0,0.00469307) POP_CL
        Parameter("THETA2", 1.00916, 0.0, unit="L/kg"),  # $THETA (0,1.00916) POP_VC
        Parameter("THETA3", 0.1, -0.99, unit="1"),  # $THETA (-.99,.1) COVAPGR
    ),
    etas=("ETA1", "ETA2"),
    omega=((0.0309626, 0.0), (0.0, 0.031128)),  # $OMEGA 0.0309626 0.031128
    omega_names=("OMEGA11", "OMEGA22"),
    sigmas=(Parameter("SIGMA11", 0.0130865, 0.0, unit="1"),),  # $SIGMA 0.0130865
    predict=predict,
    error="proportional",  # Y = F + F*EPS(1)
    covariates=("WGT", "APGR"),
    description="phenobarbital in neonates, Grasela & Donn 1985 (examples/pheno/model.py)",
)
