"""Background job execution: the Dramatiq runtime (`runtime`) and the worker process (`worker`).

What a job does lives in `pixelwise.services`; this package only moves job ids between
processes and runs them.
"""
