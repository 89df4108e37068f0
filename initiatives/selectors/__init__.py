"""Every read that pages, the API and the digest share, each with a fixed query budget.

Split by subject: ``initiatives`` (lists and detail of initiatives, shared by all); ``pages``
(the web UI's pages); ``portfolio`` (reads shared by the dashboard and the weekly digest);
``dashboard*`` (the dashboard's figures); ``weekly`` (the digest's own reads)."""
