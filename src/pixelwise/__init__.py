"""Pixelwise: label images, videos and DICOM studies for computer vision."""

__version__ = "0.1.0"

__all__ = ["__version__"]
