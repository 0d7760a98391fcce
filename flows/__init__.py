"""Prefect flows: the pipeline, the benchmark and ablation grids, and prediction."""
