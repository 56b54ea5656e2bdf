"""Flow collection: NetFlow v5/v9, IPFIX and sFlow v5 decoded into columns (see README.md)."""
