"""Each module here defines one ``zeroseg`` command with ``@command``; none is imported by hand."""
