"""Entry points under other libraries' names and layouts: :mod:`topoeuler.compat.dect`."""
