"""Claims-data pipelines: the request service (store + audit) and the extract on the tabular engine."""
