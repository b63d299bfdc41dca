"""Turns at booting: at most ``slots`` user servers start up at once, first come first served.

A server's start-up (Python importing Jupyter Server and its extensions) is CPU work. Twenty
users pressing "start" at 9 a.m. on a 2-core host all share the CPU and all get their server
at the very end; in turns, the first pair is ready in a couple of seconds and the last no
later than before, while the hub and the running servers keep their share of the CPU.
"""

from __future__ import annotations

import asyncio
from collections import deque


class BootQueue:
    """At most ``slots`` holders at once; the others wait in arrival order."""

    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self.booting = 0
        self._waiting: deque[asyncio.Future] = deque()

    def ahead_of(self, ticket: asyncio.Future | None) -> int:
        """How many are waiting before ``ticket`` (0 once it has its turn)."""
        try:
            return self._waiting.index(ticket)
        except ValueError:
            return 0

    def ticket(self) -> asyncio.Future:
        """A place in the queue: a future that is done when the turn has come."""
        ticket = asyncio.get_running_loop().create_future()
        if self.booting < self.slots and not self._waiting:
            self.booting += 1
            ticket.set_result(None)
        else:
            self._waiting.append(ticket)
        return ticket

    async def wait(self, ticket: asyncio.Future) -> None:
        """Wait for ``ticket``'s turn; a waiter that gives up (cancelled) leaves the queue."""
        try:
            await asyncio.shield(ticket)
        except asyncio.CancelledError:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            elif ticket.done():  # the turn came as it was cancelled: pass it on
                self.release()
            raise

    def release(self) -> None:
        """The holder's boot is over: the next waiter gets the turn."""
        while self._waiting:
            ticket = self._waiting.popleft()
            if not ticket.done():
                ticket.set_result(None)
                return
        self.booting = max(0, self.booting - 1)
