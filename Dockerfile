# netrosetta collector service.
#   docker build -t netrosetta .
#   docker run --rm -p 8080:8080 -v $PWD/config.yaml:/etc/netrosetta/config.yaml:ro \
#       -e SNMP_COMMUNITY=... netrosetta                         # the service
#   docker run --rm -it netrosetta lab --run                     # the built-in lab, no config needed
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    NETROSETTA_HOME=/opt/netrosetta

# lxml/asyncssh/grpcio come as wheels; the lab's snmpsim and nats-server are optional extras
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/netrosetta
COPY pyproject.toml setup.py ./
COPY netrosetta netrosetta
COPY engine engine
COPY collectors collectors
COPY exporter exporter
COPY service service
COPY mappings mappings
COPY mibs mibs
COPY yang yang
# editable: rulebooks, MIB index and lab fixtures are read from this tree (NETROSETTA_HOME)
RUN pip install -e . "snmpsim>=1.1" \
 && useradd --system --home-dir /var/lib/netrosetta --create-home netrosetta \
 && mkdir -p /etc/netrosetta && chown netrosetta /var/lib/netrosetta

USER netrosetta
WORKDIR /var/lib/netrosetta
EXPOSE 8080 9464 2055/udp
# the config's http.listen must be 0.0.0.0:8080 inside a container for the probes below
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)" || exit 1
ENTRYPOINT ["/usr/bin/tini", "--", "netrosetta"]
CMD ["run", "--config", "/etc/netrosetta/config.yaml"]
