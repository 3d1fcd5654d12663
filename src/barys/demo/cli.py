"""``barys demo [--reset]``: build the demonstration scenario."""

from __future__ import annotations

import argparse
import time

from barys.core.commands import check_database, migrate_if_needed
from barys.demo import scenario


def run_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="barys demo")
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    check_database()
    migrate_if_needed()
    started = time.monotonic()

    def progress(name: str, index: int, total: int) -> None:
        print(f"[{index}/{total}] {name}…", flush=True)

    context = scenario.run(reset=args.reset, progress=progress)
    print(
        f"Demonstration data ready in {time.monotonic() - started:.0f} s "
        f"({scenario.SIMULATED}, except the real registry facts)."
    )
    for key, value in context.summary.items():
        print(f"  {key}: {value}")
    print("Demo accounts (user name / password):")
    for username, role, scopes in scenario.DEMO_ACCOUNTS:
        where = ", ".join(scopes) if scopes else "national"
        print(f"  {username:<11} {context.accounts[username]:<14} {role} ({where})")
    return 0
