"""Production settings with the benchmark's URLs (the site's own plus a hello view)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench._web_urls"
