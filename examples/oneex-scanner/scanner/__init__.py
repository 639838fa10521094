"""Oneex Scanner: reads the machine readable zone (ICAO 9303) of scanned identity documents."""

__version__ = "1.0.0"
