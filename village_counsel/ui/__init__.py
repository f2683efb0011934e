"""The PySide6 user interface. Everything Qt lives here; it calls the core and never writes SQL."""
