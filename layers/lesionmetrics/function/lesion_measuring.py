"""The measuring function's own code: its handler lives in the lesion-measurement layer
(functions/lesionmetrics/handler.py, on /opt/python), which is all this function carries."""

from functions.lesionmetrics.handler import lambda_handler

__all__ = ["lambda_handler"]
