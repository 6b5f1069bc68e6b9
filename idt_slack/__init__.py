"""The Slack integration: ``/done`` from Slack, entries posted to a channel, the daily digest in Slack.

It talks to core only through core's services and selectors; core never imports it (entries reach it
through ``core.signals.entry_created``, pages through ``settings.PAGE_PANELS``).
"""
