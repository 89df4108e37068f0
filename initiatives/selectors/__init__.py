"""Every read that pages, the API and the digest share, each with a fixed query budget.

Split by subject: ``initiatives`` (lists and detail of initiatives, shared by all);
``pages`` (the web UI's pages); ``portfolio`` (the dashboard and the digest)."""
