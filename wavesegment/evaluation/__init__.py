"""Scoring segmentations against ground truth: metrics, datasets, generated shapes, reports."""
