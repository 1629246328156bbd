"""Integrations with pipelines that have no plugin mechanism of their own: :mod:`topoeuler.integrations.topobench`."""
