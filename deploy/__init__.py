"""Deployment: the systemd unit, the backup script of compose.yaml, the stand-in base images,
and ``./kapacitet test-deploy`` (``python -m deploy``), which builds the image and runs it with
Docker Compose the way docs/deploy.md says, then checks what a server operator relies on."""
