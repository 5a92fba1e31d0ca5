"""Decision support: global sensitivity of the headline outputs to the uncertain parameters
(:mod:`~brexsim.decision.sensitivity`, ranges in :mod:`~brexsim.decision.ranges`) and regimen
search under a sedation constraint (:mod:`~brexsim.decision.optimize`, search spaces in
:mod:`~brexsim.decision.space`), on fixed virtual populations (common random numbers,
:mod:`~brexsim.decision.outputs`). Research outputs, never dosing advice.
"""
