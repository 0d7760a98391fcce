"""Deployment presets (the paper's settings per dataset) and a `serve` entry for every flow."""
