"""Sample applications: new loans drawn from the demo generator, inputs only."""

from __future__ import annotations

import pandas as pd

from xl_risk.demo import make_portfolio
from xl_risk.parsing import match_headers
from xl_risk.schema import INPUT_NAMES

SAMPLE_SEED = 2026
SAMPLE_SIZE = 20


def sample_applications(n: int = SAMPLE_SIZE, seed: int = SAMPLE_SEED) -> pd.DataFrame:
    """Applications in Lending Club's layout: the loan id and every input field.

    Outcome columns are left out: these loans are still to be decided.
    """
    loans = make_portfolio(n_loans=n, seed=seed)
    sources, _ = match_headers(loans.columns)
    keep = [sources["loan_id"]] + [sources[n] for n in INPUT_NAMES if n in sources]
    return loans[keep].reset_index(drop=True)
