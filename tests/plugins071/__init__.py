"""0.7.1-style plug-in modules the plug-in tests register (``tests/test_plugins071.py``)."""
