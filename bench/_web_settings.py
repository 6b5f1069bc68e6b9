"""Production settings with the benchmark's URLs (the site's own plus the baseline views)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "_web_urls"
