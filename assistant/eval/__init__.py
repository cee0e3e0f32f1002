"""Evaluation for developers: question sets -> metrics, comparison, report, gate; BEIR; bench."""
