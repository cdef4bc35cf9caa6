"""Starter reference data: record-type passports and reference books, as YAML data files."""
