"""The Qt layer of Merchant AI: the window, the tabs and the one background-job mechanism."""
