"""Monte Carlo of executing a plan: will the window hold? (``docs/simulation.md``).

Pure: numpy arrays and plain values in, results out; random numbers come from a seed and a run
index (common random numbers), never from a clock or a file.

- :mod:`~corridor.simulation.params`: the noise model's parameters (:class:`NoiseParams`).
- :mod:`~corridor.simulation.model`: an instance and a plan flattened into arrays.
- :mod:`~corridor.simulation.draws`: the random numbers of each run, by run index.
- :mod:`~corridor.simulation.kernel`: the fast engine (numba, compiled once and cached).
- :mod:`~corridor.simulation.reference`: the readable SimPy model the fast engine must match.
- :mod:`~corridor.simulation.tally`: what a batch of runs adds up to, merged exactly.
- :mod:`~corridor.simulation.summary`: the figures a coordinator reads (``summary.json``).
- :mod:`~corridor.simulation.robust`: plans that keep their margin (``corridor plan --robust``).
- :mod:`~corridor.simulation.address`: the form of a Dask scheduler's address.
"""
