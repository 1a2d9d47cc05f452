"""CSSecure claims assistant: policy engine, claims service and channels."""

__version__ = "0.1.0"
