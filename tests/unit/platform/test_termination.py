"""on_termination: the callback runs at SIGTERM, and the server's own handler still runs after."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, os, signal
    from cinemesh.platform.termination import on_termination

    async def main():
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)  # what granian's worker does
        ours = []
        assert on_termination(lambda: ours.append("ended streams"), loop)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), 5)
        await asyncio.sleep(0)
        print(ours, "server stopping")

    asyncio.run(main())
    """
)


def test_the_callback_runs_and_the_servers_handler_still_stops_it() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['ended streams'] server stopping"


def test_nothing_is_installed_where_nobody_handles_the_signal() -> None:
    script = (
        "import asyncio, signal\n"
        "from cinemesh.platform.termination import on_termination\n"
        "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
        "loop = asyncio.new_event_loop()\n"
        "print(on_termination(lambda: None, loop), signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "False True", result.stderr
