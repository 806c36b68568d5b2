"""factcheck: claims out of news articles, cross-referenced and reviewed."""

__version__ = "0.1.0"
