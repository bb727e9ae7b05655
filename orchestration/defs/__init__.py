"""Everything `dg` loads into the code location: one module (or component folder) per concern."""
