"""gNMI collector: client, subscriptions, reconnect, value normalisation and the simulator (lab/).

The wire types come from pygnmi's shipped generated modules (see proto.py for why); the client is
our own grpc.aio code because pygnmi runs subscriptions in a thread that swallows errors.
"""
