"""The page's widgets: the overview and its receptive field, the examples, the upload, the embed, the playground."""
