# A stand-in for python:3.11-slim where Docker Hub cannot be reached (./kapacitet
# test-deploy): Debian bookworm's Python 3.11 in a virtual environment on PATH, so that
# `python` and `pip` behave as in the official image (pip installs for root, no PEP 668
# refusal). BASE is the stand-in Debian image (a debootstrapped bookworm, `docker import`ed).
ARG BASE
FROM ${BASE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /usr/local/python
ENV PATH=/usr/local/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8
CMD ["python"]
