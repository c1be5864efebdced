"""The generator of sample_logs/ in parts (bench/make_samples.py runs it)."""
