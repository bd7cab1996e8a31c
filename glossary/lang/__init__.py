"""Language data for the QA checks (number words, month names): data, not code."""
