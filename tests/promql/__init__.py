"""Prometheus' own PromQL test data (``promql/promqltest/testdata``), read for the rate family."""
