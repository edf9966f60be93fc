"""Building blocks the detail views share: frames, grids, pairs, slides, scales, legends, boxes, code panels."""
