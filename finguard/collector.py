"""The heap of a plan run: the cycle collector paused while a plan is read, priced and checked, and, in the
`finguard` process itself, the heap left to the operating system at exit instead of freed object by object.

A plan run allocates millions of objects (the decoded JSON, one model per resource and cost component, the policy
views) and keeps nearly all of them until the report is written; it makes almost no cyclic garbage, and objects
that die are freed by reference counting, which a pause does not stop. The collector still traverses every new
object once or twice as it ages through the young generations: a fifth of `check` on a 45,000-resource plan, an
eighth at 10,000, for nothing found. Paused, memory stays what it was (measured: 814 MB either way at 45,000).

The pause covers one pipeline (one plan, one audit root) and ends with it, so a long run (an audit of many
repositories, a test session) still collects between pipelines. Billing jobs do not pause: their engines make
garbage of their own.

Freeing that heap when the run is over is work too: 0.3 s of `check` at 10,000 resources and 1 s at 45,000, half
as the pipeline's functions return and half in the interpreter's teardown. A plan command that has written its
output hands its objects to `hold_until_exit`; `finguard.cli.entry` (the `finguard` executable, nothing that
imports finguard) then runs the exit handlers, flushes the standard streams and ends the process with os._exit.
Only plan commands ask for it: they read files and write their output with `with` blocks, and hold no connection
or buffer that needs a finaliser.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class _Process:
    owned = False  # set by finguard.cli.entry: this interpreter exists to run one finguard command
    held: list[object] = []  # what plan commands hand over instead of freeing
    quick_exit = False  # a plan command asked for it (hold_until_exit)


@contextmanager
def owning_the_process() -> Iterator[None]:
    """For `finguard.cli.entry`: freeze what pauses make, and accept held objects (see the module docstring)."""
    _Process.owned = True
    try:
        yield
    finally:
        _Process.owned = False


def hold_until_exit(*objects: object) -> None:
    """Keep these alive until the process ends, which then skips freeing them; elsewhere (tests, an embedding
    program) nothing is kept."""
    if _Process.owned:
        _Process.held.extend(objects)
        _Process.quick_exit = True


def exit_now(code: int) -> None:
    """End the `finguard` process: with os._exit after the exit handlers and a flush when a plan command held its
    objects, else through SystemExit as usual."""
    if not _Process.quick_exit:
        sys.exit(code)
    atexit._run_exitfuncs()  # the Rego worker, temporary directories, logging: what a normal exit would run
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream takes nothing more anyway
            stream.flush()
    os._exit(code)


@contextmanager
def cycles_uncollected() -> Iterator[None]:
    """Run the block with the cycle collector off; nested uses and an already-disabled collector are left alone.

    In the `finguard` process the objects made meanwhile are then frozen (gc.freeze): out of the young
    generations, instead of traversed once more by the next collection (a second at 45,000 resources). They are
    still freed by reference counting; only cycles among them stay until exit, which a one-command process can
    afford. Elsewhere they age through the collector as usual."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if _Process.owned:
            gc.freeze()
        gc.enable()
