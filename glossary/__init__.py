"""Sverka's glossary: terms recognised in every inflected form, and QA checks on pairs.

A plain library built on :mod:`alignment.text`; it imports neither the web app nor the database.
"""
