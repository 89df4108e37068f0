"""The rules: life cycles as data, checklist gates, permissions, the error hierarchy. Pure;
imports only ``models``."""
