"""The Excel layer: worksheet functions and the conversions behind them.

Only :mod:`xl_risk.excel.udfs` imports xlwings. :mod:`xl_risk.excel.convert`
turns cell values into the mapping the engine scores and scores back into
cell values; it is plain Python, so tests and benchmarks run without Excel.
"""
