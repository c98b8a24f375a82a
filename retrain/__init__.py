"""Retraining entry points for the command line and the workbook button."""

from retrain.pipeline import Outcome, RetrainBusy, retrain, rollback

__all__ = ["Outcome", "RetrainBusy", "retrain", "rollback"]
