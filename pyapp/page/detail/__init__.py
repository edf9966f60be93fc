"""The host of the detail views (host.py) and what it delegates: clicks, the stepper, warm-up, per-view behaviours."""
