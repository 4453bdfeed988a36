"""Widgets by screen region: the conversation, the verdict panel, the sources panel."""
