"""Screens: the main layout and coordination, and the modal help, history and export screens."""
