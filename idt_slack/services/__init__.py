"""Writes of the Slack integration: installations and member links, commands, owed channel messages."""
