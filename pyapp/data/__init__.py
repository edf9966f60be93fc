"""Labelled image folders and activation statistics: used by the command line and training, never by the page."""
