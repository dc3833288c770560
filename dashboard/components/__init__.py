"""Reusable dashboard parts: map layers, KPI strip."""
