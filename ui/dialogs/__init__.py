"""Modal dialogs of the app shell: welcome, create shop, unlock/recover, demo, settings, backups."""
