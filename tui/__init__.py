"""The Textual TUI (`assistant chat`); imports assistant, never the reverse."""
