"""The read-only SQL command line over the published warehouse: guard, memory limit, rendering, interrupts."""
