"""Media's storage: its tables and queries, the job queue, the upload spool, the object store moves."""
