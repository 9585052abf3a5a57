"""Server-rendered dashboard (Jinja2). Areas add pages as ``partcd.web.<area>`` modules with a ``router`` and ``NAV``."""
