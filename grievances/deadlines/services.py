"""Clock services: filled by the deadlines work (issue 4)."""
