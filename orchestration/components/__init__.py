"""Components of this project (dg registry module)."""
