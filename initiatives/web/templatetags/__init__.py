"""Template tags and filters, registered in ``TEMPLATES`` as the libraries ``shipshape`` and
``board``."""
