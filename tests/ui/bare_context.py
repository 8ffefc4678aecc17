"""A bare JobContext for calling job functions directly, outside the job runner."""

from __future__ import annotations


class BareJobContext:
    def __init__(self, store=None):
        self.store = store

    def progress(self, *_a):
        pass

    def check(self):
        pass

    def cancelled(self):
        return False
