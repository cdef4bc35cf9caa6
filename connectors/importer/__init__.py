"""Card-file and journal importer: CSV rows to enrolment events, resumable, with a rejects file."""
