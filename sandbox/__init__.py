"""Local Microsoft Graph sandbox (beta slice used by Manager Desk). See sandbox/app.py."""

from sandbox.app import create_sandbox_app

__all__ = ["create_sandbox_app"]
