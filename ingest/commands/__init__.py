"""Click commands of the ``ingest`` CLI, one module per area; each is a thin layer over a
library function (see the module's imports) in the way of sqlite-utils."""
