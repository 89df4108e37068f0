"""API output and input shapes: the output functions and the serializers that describe them in the
schema."""
