"""Command-line interface: parses input, calls the library, prints text or JSON."""
