#!/usr/bin/python3
"""Segment a dataset on a Dask cluster: the same as python -m ffnet.cluster (see --help)."""
import sys

from ffnet.cluster import main

sys.exit(main())
