"""Parse rate of letterpress.mailsvc.parse on mixed_corpus(N): one core, all cores, mail-parser.

    python -m bench.parse_rate [N]

Prints a human summary on stderr and, as the last line on stdout, one JSON object:
``{"letters": N, "mean_kb": .., "parse_letter_1core": .., "parse_letter_all_cores": ..,
"cores": .., "mailparser_1core": ..}`` (letters per second). The one-core rates are CPU time
(less noise from neighbours); the all-cores rate is wall time over a process pool, the way the
daemon parses.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import mailparser

from letterpress.mailsvc.parse import ParseFailure, parse_letter
from letterpress.testing.letters import mixed_corpus


def _parse_chunk(chunk: list[bytes]) -> int:
    parsed = 0
    for raw in chunk:
        try:
            parse_letter(raw)
        except ParseFailure:
            continue
        parsed += 1
    return parsed


def _one_core(func: Callable[[bytes], object], corpus: list[bytes]) -> float:
    started = time.process_time()
    for raw in corpus:
        func(raw)
    return len(corpus) / (time.process_time() - started)


def _all_cores(corpus: list[bytes], cores: int) -> float:
    size = 50
    chunks = [corpus[i : i + size] for i in range(0, len(corpus), size)]
    with ProcessPoolExecutor(cores) as pool:
        list(pool.map(_parse_chunk, chunks[:cores]))  # start the workers before timing
        started = time.perf_counter()
        done = sum(pool.map(_parse_chunk, chunks))
        elapsed = time.perf_counter() - started
    assert done == len(corpus)
    return len(corpus) / elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    corpus = list(mixed_corpus(count, seed=1))
    cores = os.cpu_count() or 1
    result = {
        "letters": count,
        "mean_kb": round(sum(map(len, corpus)) / len(corpus) / 1024, 1),
        "parse_letter_1core": round(_one_core(parse_letter, corpus)),
        "parse_letter_all_cores": round(_all_cores(corpus, cores)),
        "cores": cores,
        "mailparser_1core": round(_one_core(mailparser.parse_from_bytes, corpus)),
    }
    print(
        f"parse_letter: {result['parse_letter_1core']}/s on one core, "
        f"{result['parse_letter_all_cores']}/s on {cores}; "
        f"mailparser.parse_from_bytes: {result['mailparser_1core']}/s on one core",
        file=sys.stderr,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
