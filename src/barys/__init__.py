"""Barys: the information system for rare and endangered animals of Kazakhstan."""

__version__ = "0.1.0"
