"""A gNMI target simulator: a grpcio server speaking the real gNMI service on a real socket.

It replays recorded SubscribeResponses, generates moving counters for OpenConfig and native
paths (device.py), and misbehaves on request (faults: drop the stream, malformed updates, stall).
Run it as a process: ``python -m netrosetta.collectors.gnmi.lab --port 50051``.
"""
