"""`netrosetta coverage`: what the rulebooks make of a fleet.

- matrix: per loaded rulebook, which unified metric families it provides from which source;
- walks: per recorded device, which rulebook matched (vendor or generic fallback) and which
  metric families came out;
- librenms: with LibreNMS's decode of the same walks, whether our CPU, memory and temperature
  agree with it, device by device.
"""
