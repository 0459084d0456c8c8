"""Decoding media: images, video frames, DICOM series."""
