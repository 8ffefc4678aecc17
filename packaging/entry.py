"""Entry point of the packaged app (PyInstaller runs this file as `__main__`).

`MerchantAI`              opens the window (straight to ui.app: no CLI parser on the start path)
`MerchantAI --self-test`  runs `merchant-ai self-test` (the build script runs it on every build)
`MerchantAI <command> …`  is the `merchant-ai` command line (`MerchantAI info --help`, `report` …)

It also runs from a source checkout (`python packaging/entry.py`), which is how the frozen and the
source start-up are compared like for like.
"""

import multiprocessing
import os
import sys

# Analytics must never start worker processes in the frozen app: a child would re-run this
# executable. joblib (scikit-learn's parallel layer) falls back to threads/sequential without
# multiprocessing, and loky neither spawns nor probes the CPU (it runs `lscpu`/`wmic` to count
# physical cores) once its CPU count is fixed.
SINGLE_PROCESS_ENV = {"JOBLIB_MULTIPROCESSING": "0", "LOKY_MAX_CPU_COUNT": "1"}


def _single_process_analytics() -> None:
    for name, value in SINGLE_PROCESS_ENV.items():
        os.environ.setdefault(name, value)


def _console_for_cli() -> None:
    """A windowed Windows build has no stdout/stderr: borrow the console of the shell that ran us,
    or discard output (Task Scheduler runs) rather than crash on print()."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    attached = False
    if sys.platform == "win32":
        import ctypes

        attached = bool(ctypes.windll.kernel32.AttachConsole(-1))  # ATTACH_PARENT_PROCESS
    target = "CONOUT$" if attached else os.devnull
    if sys.stdout is None:
        sys.stdout = open(target, "w", encoding="utf-8", errors="replace")  # noqa: SIM115 (lives as long as the process)
    if sys.stderr is None:
        sys.stderr = open(target, "w", encoding="utf-8", errors="replace")  # noqa: SIM115


def command_line(argv: list[str]) -> list[str] | None:
    """The `merchant-ai` arguments for this launch, or None to open the window directly."""
    argv = [a for a in argv if not a.startswith("-psn_")]  # old macOS Finder launches add -psn_0_123
    if not argv:
        return None
    if argv[0] == "--self-test":
        return ["self-test", *argv[1:]]
    return argv


def main() -> int:
    multiprocessing.freeze_support()  # first: a frozen child process must stop here
    _single_process_analytics()
    args = command_line(sys.argv[1:])
    if args is None:
        from ui.app import run

        return run()
    _console_for_cli()
    from merchant_ai.cli.main import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
