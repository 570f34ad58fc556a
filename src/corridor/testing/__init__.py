"""Helpers that the test suite and the benchmarks share (a real ``corridor serve`` process).

It sits above every other layer: it starts the command line in a child process and imports
nothing else of corridor.
"""
