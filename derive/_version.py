"""The version of derive, in one place (the package and the handout read it from here)."""
__version__ = "0.1.0"
