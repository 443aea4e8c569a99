"""Root-field and mutation functions, one module per domain."""
