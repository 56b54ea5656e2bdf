"""netrosetta: one unified, OpenTelemetry-shaped schema for network device metrics."""

__version__ = "0.1.0"
