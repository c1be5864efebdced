"""Invented ConfigMgr logs of a healthy and a broken site, shipped for the demo and the tests."""
