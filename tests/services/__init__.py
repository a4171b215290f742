"""Pytest plugins providing real PostgreSQL and S3 (moto) services for the test suite."""
