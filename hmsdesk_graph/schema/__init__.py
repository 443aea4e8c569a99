"""Strawberry types only: nested fields are one-line loader calls."""
