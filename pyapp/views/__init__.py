"""The views: plain functions and classes from (state, trace, network) to SVG/HTML text, one kind per folder."""
