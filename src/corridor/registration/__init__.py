"""Household registration from KoBoToolbox / ODK: the form's contract and its exports.

Pure code: files arrive as bytes with their names, the scenario's classes and gathering points
and the time come as parameters; nothing here reads a file, the network or the clock. The use
case that stores what is read is :mod:`corridor.services.registry_import`; the XLSForm itself
is built by ``forms/build.py`` from ``forms/household-registration.yaml``.
"""
