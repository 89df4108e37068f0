"""The web UI, transport only: views, forms, template tags, urls and the one mapping of domain
errors to pages. Calls services and selectors; never imports ``api``."""
