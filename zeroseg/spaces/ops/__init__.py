"""Shared operator blocks of the segmenter search spaces (one family per module).

Spaces import blocks from here instead of from each other, so no space reaches into another's
internals. Every block takes explicit channel counts and works on any spatial size.
"""
