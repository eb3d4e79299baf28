"""The local stack: moto as AWS plus API Gateway emulation. Never deployed."""
