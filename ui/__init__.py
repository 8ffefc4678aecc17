"""The Qt layer of Merchant AI: the window, the tabs and the one background-job mechanism."""

from ui._none_refcount import protect_none

protect_none()
