"""HTTP API of the dose-interval optimizer (FastAPI). Never imports Pyomo directly."""
