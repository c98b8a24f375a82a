"""Settings of a training run, validated in one place."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TrainingConfig(BaseModel):
    """Every tunable number of data quality, splitting, fitting and promotion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    income_ceiling: float = Field(300_000.0, gt=0, description="drop incomes above")
    dti_cap: float = Field(60.0, gt=0, description="clip debt-to-income, % points")
    revol_util_cap: float = Field(1.5, gt=0, description="clip utilisation, fraction")
    rare_share: float = Field(
        0.005, ge=0, lt=0.5, description="fold categories rarer than this share"
    )
    oot_months: int = Field(6, ge=1, description="latest issue months held out")
    oot_share_without_dates: float = Field(0.2, gt=0, lt=1)
    test_share: float = Field(0.2, gt=0, lt=1, description="random test split")
    seed: int = 42
    cv_folds: int = Field(5, ge=2)
    min_bad_loans: int = Field(
        200, ge=10, description="fewest defaulted loans to fit EAD and LGD"
    )
    pd_auc_floor: float = Field(
        0.65, ge=0.5, le=1, description="challenger's out-of-time AUC floor"
    )
    pd_auc_margin: float = Field(
        0.01, ge=0, le=0.5, description="largest AUC drop allowed against champion"
    )
    keep_bundles: int = Field(5, ge=1, description="bundles kept after promotion")
