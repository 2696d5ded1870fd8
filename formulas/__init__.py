"""The formulas bundled with derive: TOML data files, read by derive.read (never imported as code)."""
