"""The web server around the app: login routes, the process runtime, start-up and shutdown."""
