"""Images in and out: reading a photo (preprocess; Pillow), its errors (errors; no Pillow) and plain PNGs (png)."""
