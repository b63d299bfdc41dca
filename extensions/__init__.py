"""Jupyter server extensions of the Seoul Data Hub.

This folder is a package only so that setuptools' ``find:`` reaches the extensions inside
it; the wheel installs ``extensions.seoul_data_search`` (and any sibling) without this file,
as a namespace package.
"""
