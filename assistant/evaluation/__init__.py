"""The prompt eval suite: cases (own format and instruction-eval tests.yaml), runner, metrics, reports."""
