"""Records hub: joins regional departmental and operational records into the central register."""

__version__ = "0.1.0"
