"""Reading images and writing every output: label maps, masks, overlays, sidecars, batches."""
