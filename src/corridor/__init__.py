"""corridor: plan, agree and run humanitarian corridors."""

__version__ = "0.1.0"
