"""Training, evaluation, speed measurement and export of searched segmenters."""
