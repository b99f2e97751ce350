#!/usr/bin/env python3
"""Fails when a source file of the core ties a numeric literal to a time-like name (DESIGN.md:
"no timing literal in logic"): every period and timeout is a named constant in
core/common/include/evc/common/timing.hpp, or an OCPP configuration key.

A literal counts when an operator joins it directly to a name that looks like a time (…Ms, …_ms,
…Timeout, …Interval, …Period, …Delay, …Deadline, …Since, now…, last…, millis(), MonotonicMs(),
Elapsed(…), Since(…)). Comments and string literals are ignored; the configuration-key table,
which is where the CSMS-settable periods are defined, is exempt.

Usage: check_time_literals.py CORE_DIR      (exit 1 on violations)
       check_time_literals.py --self-test   (the rule still catches what it must)
"""
import glob
import os
import re
import sys

TIME_NAME = (r'[A-Za-z_][A-Za-z0-9_]*(?:_ms|Ms|_ms_|Ms_|[Tt]imeout|[Ii]nterval|[Pp]eriod|[Dd]elay|'
             r'_s|Seconds|[Dd]eadline|[Tt]ime|[Tt]ime_|[Ss]ince|[Ss]ince_)(?:\(\))?'
             r'|\b(?:now|last)[A-Za-z0-9_]*(?:\(\))?|millis\(\)|MonotonicMs\(\)'
             r'|Elapsed\([^)]*\)|Since\([^)]*\)')
NUMBER = r'(?:[2-9]|[1-9][0-9]+)(?:\.[0-9]+)?[uUlLfF]*'
OP = r'\s*(?:[-+*/%<>]|[<>=!]=)\s*'
PATTERN = re.compile(r'(?:(?:' + TIME_NAME + r')' + OP + NUMBER + r'(?![A-Za-z0-9_.]))'
                     r'|(?:(?<![A-Za-z0-9_.])' + NUMBER + OP + r'(?:' + TIME_NAME + r'))')
EXEMPT = ('common/include/evc/common/timing.hpp',  # the one place they are defined
          'ocpp/src/configuration.cpp')            # OCPP configuration keys: ranges and defaults


def violations(line):
    code = re.sub(r'"([^"\\]|\\.)*"', '""', line)
    code = re.sub(r'//.*', '', code)
    return PATTERN.search(code) is not None


def self_test():
    must_catch = ['if (millis() - lastBusRecovery > 5000) {',
                  'if (now - lastHealthCheck >= 2000)',
                  'deadline_ms_ = now_ms + 250;',
                  'if (Since(now, t) >= 1500) {',
                  'const uint32_t timeout = 30 * kMsPerSecond + delay_ms;']
    must_pass = ['deadline_ms_ = now_ms + timing::kRecoveryTimeoutMs;',
                 'x = 5000;  // not a time',
                 'log("timeout after 5000 ms");',
                 'const uint64_t doubled = count * 2;']
    bad = [l for l in must_catch if not violations(l)] + [l for l in must_pass if violations(l)]
    for l in bad:
        print('self-test: wrong verdict for: ' + l)
    return 1 if bad else 0


def main(argv):
    if len(argv) == 2 and argv[1] == '--self-test':
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    core = argv[1]
    files = sorted(glob.glob(os.path.join(core, '*', 'src', '*.cpp')) +
                   glob.glob(os.path.join(core, '*', 'include', 'evc', '*', '*.hpp')))
    found = []
    for f in files:
        rel = os.path.relpath(f, core)
        if rel.replace(os.sep, '/') in EXEMPT:
            continue
        with open(f, encoding='utf-8') as fh:
            for n, line in enumerate(fh, 1):
                if violations(line):
                    found.append(f'{rel}:{n}: {line.strip()}')
    for v in found:
        print('time literal in logic: ' + v)
    print(f'{len(files)} files checked, {len(found)} time literal(s) in logic')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
