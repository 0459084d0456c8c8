"""Classical image analysis (superpixels, grabcut, region growing, tracking) on NumPy arrays."""
