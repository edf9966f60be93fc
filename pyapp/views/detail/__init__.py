"""The registry's detail views (registry.py), one module each, on the one shape of base.py."""
