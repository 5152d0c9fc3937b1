#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks the suite's file graph in a build: no cycle, layers kept.

A file depends on another when it uses a symbol the other defines (nm on
the objects of drivers/utmem/built-in.a).  No two files may depend on
each other, directly or around a cycle, and each folder may depend only
on the layers below it:

    lib/                      helpers every layer may use
    guest/tmem/               the tmem core
    guest/{mm,fs,drivers}/    the guest users, on the core
    host/                     the pool engine, which knows no guest
    host-sim/, host-kvm/      bindings: a guest's backend on the core,
                              a host's front on the engine
    main.c                    module init: everything but the tests
    kunit/                    the tests: anything

usage: check-layers.py BUILD_DIR/drivers/utmem [--graph]
"""
import collections
import os
import subprocess
import sys

ALLOWED = {
    'lib': {'lib'},
    'guest/tmem': {'lib', 'guest/tmem'},
    'guest/mm': {'lib', 'guest/tmem', 'guest/mm'},
    'guest/fs': {'lib', 'guest/tmem', 'guest/fs'},
    'guest/drivers/utmem': {'lib', 'guest/tmem', 'guest/drivers/utmem'},
    'host': {'lib', 'host'},
    'host-sim': {'lib', 'guest/tmem', 'host', 'host-sim'},
    'host-kvm': {'lib', 'guest/tmem', 'host', 'host-kvm'},
    '.': {'lib', 'guest/tmem', 'guest/mm', 'guest/fs',
          'guest/drivers/utmem', 'host', 'host-sim', 'host-kvm', '.'},
}
# The KVM binding's marshalling bench compares it with the simulator.
EXTRA = {'host-kvm/kvm_guest_bench.o': {'host-sim'}}


def folder(obj):
    return os.path.dirname(obj) or '.'


def symbols(obj):
    defined, used = set(), set()
    out = subprocess.run(['nm', obj], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == 'U':
            used.add(f[1])
        elif len(f) == 3 and f[1] in 'TDBRGSVW':
            defined.add(f[2])
    return defined, used


def cycles(nodes, edges):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.append(sorted(scc))

    for v in nodes:
        if v not in index:
            visit(v)
    return found


def main():
    if len(sys.argv) < 2 or not os.path.isdir(sys.argv[1]):
        sys.exit(__doc__.strip().splitlines()[-1])
    os.chdir(sys.argv[1])
    members = subprocess.run(['ar', 't', 'built-in.a'], capture_output=True,
                             text=True, check=True).stdout.split()
    owner, uses = {}, {}
    for m in members:
        defined, uses[m] = symbols(m)
        for s in defined:
            owner.setdefault(s, m)
    edges = collections.defaultdict(set)
    why = collections.defaultdict(set)
    for m in members:
        for s in uses[m]:
            o = owner.get(s)
            if o and o != m:
                edges[m].add(o)
                why[m, o].add(s)
    errors = []
    for scc in cycles(members, edges):
        errors.append('cycle: ' + ' '.join(scc))
        for a in scc:
            for b in sorted(edges[a] & set(scc)):
                errors.append('  %s -> %s: %s' %
                              (a, b, ' '.join(sorted(why[a, b]))))
    for m in members:
        if folder(m) == 'kunit':
            continue
        if folder(m) not in ALLOWED:
            errors.append('%s: a folder without a layer' % m)
            continue
        allowed = ALLOWED[folder(m)] | EXTRA.get(m, set())
        for o in sorted(edges[m]):
            if folder(o) not in allowed:
                errors.append('%s -> %s (%s): against the layers' %
                              (m, o, ' '.join(sorted(why[m, o]))))
    if '--graph' in sys.argv:
        for m in members:
            print(m, '->', ' '.join(sorted(edges[m])))
    if errors:
        print('\n'.join(errors))
        sys.exit(1)
    print('layers: %d files, %d dependencies, no cycle, layers kept' %
          (len(members), sum(len(e) for e in edges.values())))


if __name__ == '__main__':
    main()
