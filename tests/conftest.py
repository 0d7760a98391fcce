"""Shared pytest fixtures, registered as plugins so every test package can use them."""

pytest_plugins = [
    "tests.fixtures.s3",
    "tests.fixtures.prefect",
    "tests.fixtures.mlflow",
    "tests.fixtures.ray",
]
