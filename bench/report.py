#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark guest's raw rows into a report.

    bench/report.py RESULTS

RESULTS holds what scripts/guest/init-bench.sh wrote (guest.txt,
page.txt, scale.txt, device.txt, swap.txt, cleancache.txt,
capacity.txt), bench/compare.sh (compare.txt, compare-guest.txt) and
bench/dev.sh (dev-kernel.txt, dev-ioctl.txt, dev-guest.txt) and
bench/redis/run.sh (redis.tsv); any may be missing.  Writes RESULTS/report.md, PNG plots
with gnuplot (when it is installed) and prints the summary: every target
of the design, its figure from this run, met or missed.
"""
import os
import re
import statistics
import subprocess
import sys


def rows(path):
    """Whitespace-split lines of a result file, or [] when absent."""
    try:
        with open(path) as f:
            return [line.split() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def lines(path):
    """The lines of a result file, or [] when absent."""
    try:
        with open(path) as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    except FileNotFoundError:
        return []


def spread(values):
    """(median, min, max) of a list of numbers."""
    return statistics.median(values), min(values), max(values)


def fmt_spread(values, unit="", digits=1):
    med, lo, hi = spread(values)
    return f"{med:.{digits}f}{unit} ({lo:.{digits}f}-{hi:.{digits}f})"


class Report:
    def __init__(self, results):
        self.dir = results
        self.md = []
        self.targets = []   # (what, target, figure, met or None)
        self.plots = []     # (png, gnuplot script)

    def out(self, line=""):
        self.md.append(line)

    def table(self, header, body):
        self.out("| " + " | ".join(header) + " |")
        self.out("|" + "---|" * len(header))
        for r in body:
            self.out("| " + " | ".join(str(c) for c in r) + " |")
        self.out()

    def target(self, what, goal, figure, met):
        self.targets.append((what, goal, figure, met))

    def histogram(self, png, title, ylabel, datafile, titles, extra=""):
        """A bar plot of @datafile: per bar a title, three columns from
        the second on (median, min, max: the bar and its error bar)."""
        plot = ", ".join(
            ("'" + datafile + "'" if i == 0 else "''") +
            f" using {3 * i + 2}:{3 * i + 3}:{3 * i + 4}" +
            (":xtic(1)" if i == 0 else "") +
            f" title '{t}'" for i, t in enumerate(titles))
        self.plots.append((png, f"""
set title '{title}'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set ylabel '{ylabel}'
set yrange [0:*]
set key top left
{extra}
plot {plot}
"""))

    def data(self, name, lines):
        """Writes a plot's data file; its name, as the plots run in it."""
        with open(os.path.join(self.dir, name), "w") as f:
            f.write("\n".join(lines) + "\n")
        return name

    # --- page path
    def page(self):
        r = rows(os.path.join(self.dir, "page.txt"))
        if not r:
            return
        self.out("## Page path (host simulator, 4 KiB pages, in-kernel)")
        self.out()
        self.out("ns per page; median of the rounds (min-max). memcpy is two "
                 "memcpy()s of the same pages, the floor of a copy-based "
                 "PUT and GET. Ratio: PUT+GET against memcpy's PUT+GET of "
                 "the same round.")
        self.out()
        body, dat = [], []
        ratio, put, stored = {}, {}, {}
        for k in r:
            v = [int(x) for x in k[1:]]
            body.append([k[0], f"{v[0]} ({v[1]}-{v[2]})",
                         f"{v[3]} ({v[4]}-{v[5]})",
                         f"{v[6]} ({v[7]}-{v[8]})",
                         f"{v[9] / 100:.2f}x ({v[10] / 100:.2f}-{v[11] / 100:.2f})",
                         v[12] if len(v) > 12 else "-"])
            dat.append(f"{k[0]} " + " ".join(str(x) for x in v[0:6]))
            ratio[k[0]] = v[9] / 100
            put[k[0]] = v[0]
            if len(v) > 12:
                stored[k[0]] = v[12]
        self.table(["kind", "PUT ns", "GET ns", "PUT+GET ns",
                    "vs memcpy", "stored B/page"], body)
        if "raw" in ratio:
            self.target("page path: raw PUT+GET vs two memcpys",
                        "<= 2.00x", f"{ratio['raw']:.2f}x",
                        ratio["raw"] <= 2.0)
        if "dedup_hit" in put and "raw" in put:
            self.target("page path: a dedup hit's PUT vs a raw PUT",
                        "<= 1.00x",
                        f"{put['dedup_hit'] / put['raw']:.2f}x "
                        f"({put['dedup_hit']} vs {put['raw']} ns)",
                        put["dedup_hit"] <= put["raw"])
        codecs = [c for c in ("lz4", "zstd") if c in stored and
                  stored[c] < 4096]
        if codecs:
            self.out()
            self.out("Compressors on these pages (half random, half one "
                     "repeated word), PUT time per KiB saved against "
                     "storing raw: " + "; ".join(
                         f"{c} {put[c] - put.get('raw', 0)} ns more per "
                         f"page for {4096 - stored[c]} B saved, "
                         f"{(put[c] - put.get('raw', 0)) * 1024 / (4096 - stored[c]):.0f} ns/KiB"
                         for c in codecs) + ".")
        f = self.data("page.dat", dat)
        self.histogram("page.png",
                       "Page path: ns per 4 KiB page (median, min-max)",
                       "ns", f, ["PUT", "GET"])

    # --- scaling
    def scale(self):
        r = rows(os.path.join(self.dir, "scale.txt"))
        if not r:
            return
        self.out("## Scaling (one pool, frontswap's naming, LZ4 on)")
        self.out()
        self.out("ns per operation on random pages of a pool of N pages "
                 "(median of 5 rounds, min-max); fill: ns per PUT of the "
                 "pages added since the last size; slab: bytes of slab "
                 "memory per page held, from the kernel's slab counters "
                 "(the host's records, xarray nodes, zsmalloc's handles "
                 "and zspage records; the stored bytes are apart); "
                 "records: the same as the host's own accounting counts "
                 "it (value, object and shared records, the xarray nodes "
                 "the values carry, zsmalloc's handles).")
        self.out()
        body, dat = [], []
        for k in r:
            v = [int(x) for x in k] + [None] * 2
            body.append([v[0], v[1], f"{v[2]} ({v[3]}-{v[4]})",
                         f"{v[5]} ({v[6]}-{v[7]})", v[8],
                         "-" if v[10] is None else v[10], v[9],
                         "-" if v[11] is None else v[11]])
            dat.append(" ".join(str(v[i]) for i in (0, 2, 3, 4, 5, 6, 7, 1)))
        self.table(["pages", "fill PUT ns", "GET ns", "replacing PUT ns",
                    "slab B/page", "records B/page", "stored B/page",
                    "miss ns"], body)
        first, last = [int(x) for x in r[0]], [int(x) for x in r[-1]]
        g, p = last[2] / first[2], last[5] / first[5]
        if len(last) > 11 and last[11] > first[11]:
            miss = last[11] - first[11]
            self.out()
            self.out("miss ns: one dependent read of a random cache line "
                     "of a buffer the size of the host's data at that "
                     "size (records and stored bytes), the cost of a "
                     "cache and TLB miss there. From the smallest pool to "
                     f"the largest it grows by {miss} ns; GET grows by "
                     f"{last[2] - first[2]} ns, "
                     f"{(last[2] - first[2]) / miss:.1f} such misses "
                     f"(replacing PUT: {(last[5] - first[5]) / miss:.1f}). "
                     "A GET walks the index's leaf, the value's record, "
                     "zsmalloc's handle, zspage and page, and the bytes: "
                     "each can miss once the pool outgrows the caches.")
        self.target(f"scaling: GET ns, {first[0]} -> {last[0]} pages",
                    "<= 1.5x", f"{g:.2f}x ({first[2]} -> {last[2]} ns)",
                    g <= 1.5)
        self.target(f"scaling: PUT ns, {first[0]} -> {last[0]} pages",
                    "<= 1.5x", f"{p:.2f}x ({first[5]} -> {last[5]} ns)",
                    p <= 1.5)
        self.target("host metadata per stored page (slab)", "<= 64 B",
                    f"{last[8]} B at {last[0]} pages", last[8] <= 64)
        if len(last) > 10 and last[8]:
            d = abs(last[10] - last[8]) / last[8]
            self.target("metadata: host's accounting vs slab counters",
                        "within 10%",
                        f"{last[10]} vs {last[8]} B/page ({d:.0%})",
                        d <= 0.10)
        f = self.data("scale.dat", dat)
        self.plots.append(("scale.png", f"""
set title 'Cost per operation as the pool grows'
set logscale x 2
set format x '%.0s%c'
set xlabel 'pages in the pool'
set ylabel 'ns per operation (median, min-max)'
set yrange [0:*]
set key top left
plot '{f}' using 1:2:3:4 with yerrorlines title 'GET', \\
     '' using 1:5:6:7 with yerrorlines title 'replacing PUT', \\
     '' using 1:8 with linespoints title 'PUT of a new page'
"""))

    # --- the x86_64 swap comparisons (bench/compare.sh)
    def compare(self):
        r = rows(os.path.join(self.dir, "compare.txt"))
        if not r:
            return
        names = {"ram": "RAM S+H", "zswap_big": "zswap S+H",
                 "zswap": "zswap S", "nvme": "NVMe-like S",
                 "ssd": "SSD-like S", "hdd": "HDD-like S",
                 "frontswap": "frontswap S + host H"}
        runs, order = {}, []
        for w, c, rnd, t, majflt, ops, p50, p99, *rest in r:
            if w not in order:
                order.append(w)
            runs.setdefault(w, {}).setdefault(c, []).append(
                (float(t), p50, p99, rest))
        self.out("## Swap compared (x86_64 guest under QEMU, one boot)")
        self.out()
        for line in rows(os.path.join(self.dir, "compare-guest.txt")):
            self.out("- " + " ".join(line))
        self.out()
        self.out("Each contender's runs in a memory cgroup the size of the "
                 "memory it would have: S, the small guest's, or S+H, the "
                 "small guest's and the host's share. Run time in seconds, "
                 "median of the rounds (min-max), then the median and 99th "
                 "percentile (us) of the operations on pages that were "
                 "swapped out (the Python working set: time only). Working "
                 "set as a multiple of S; mthp: 64 KiB mTHP on.")
        self.out()
        body, dat = [], []
        worst = {"nvme": [], "zswap_big": [], "ram": []}
        for w in order:
            cells = runs[w]
            row = [w]
            for c in names:
                v = cells.get(c)
                if not v:
                    row.append("-")
                    continue
                p = [x for x in v if x[1] != "-"]
                lat = ""
                if p:
                    lat = (f"; {statistics.median(float(x[1]) for x in p):.0f}"
                           f"/{statistics.median(float(x[2]) for x in p):.0f} us")
                row.append(fmt_spread([x[0] for x in v], " s") + lat)
            if "frontswap" in cells:
                fs = statistics.median(x[0] for x in cells["frontswap"])
                for c in worst:
                    if c in cells:
                        worst[c].append((statistics.median(
                            x[0] for x in cells[c]) / fs, w))
            body.append(row)
            dat.append(w + " " + " ".join(
                "{:.3f} {:.3f} {:.3f}".format(*spread(
                    [x[0] for x in cells[c]]) if c in cells else (0, 0, 0))
                for c in names))
        self.table(["workload"] + list(names.values()), body)
        f = self.data("compare.dat", dat)
        self.histogram("compare.png",
                       "Swap compared (x86_64 guest): run time (median, "
                       "min-max), lower is better", "seconds (log)", f,
                       list(names.values()),
                       "set logscale y\nset yrange [0.1:*]\n"
                       "set key outside right")
        goals = {"nvme": ("frontswap vs NVMe-like disk swap", 6.0),
                 "zswap_big": ("frontswap vs zswap at S+H", 1.0)}
        for c, (what, goal) in goals.items():
            if not worst[c]:
                continue
            lo = min(worst[c])
            self.target(f"swap: {what} (every workload)",
                        f">= {goal:.1f}x",
                        f"{lo[0]:.2f}x at worst ({lo[1]}), "
                        f"{max(worst[c])[0]:.2f}x at best", lo[0] >= goal)
        if worst["ram"]:
            # frontswap's time over RAM's: the inverse of the speed-ups.
            slow = [(1 / x, w) for x, w in worst["ram"]]
            hi = max(slow)
            self.target("swap: frontswap's time vs all in RAM (every "
                        "workload)", "<= 1.5x",
                        f"{hi[0]:.2f}x at worst ({hi[1]}), "
                        f"{min(slow)[0]:.2f}x at best", hi[0] <= 1.5)

    # --- /dev/utmem
    # The design's goals for coalescing 64-byte PUTs: (host call, ratio).
    COALESCE_GOALS = (("1000", 5.0), ("5000", 10.0))

    def device(self):
        self.dev_kernel("device.txt", "UML", "device")

    def dev_kernel(self, name, where, png):
        """The in-kernel dev_bench's rows in @name, measured on @where."""
        r = []
        for line in lines(os.path.join(self.dir, name)):
            kv = dict(re.findall(r"(\w+)=([\d.\-/]+)", line))
            d = re.search(r"put_ops/s direct=(\d+) coalesced=(\d+)", line)
            h = re.search(r"host_puts direct=(\d+) coalesced=(\d+)", line)
            if not (d and h and "exit_ns" in kv and "size" in kv):
                continue
            kv["direct"], kv["coalesced"] = d.groups()
            kv["hp_direct"], kv["hp_coalesced"] = h.groups()
            r.append(kv)
        if not r:
            return
        self.out(f"## /dev/utmem PUT path (in-kernel dev_bench, {where})")
        self.out()
        self.out("PUT ops/s without and with the coalescing buffer, median "
                 "of 5 alternated rounds (slowest-fastest round), by the "
                 "simulated cost of a host call (exit_ns); per value: ns "
                 "per PUT. Values above 1 KiB are never buffered.")
        self.out()
        body, dat = [], {}
        goals = dict(self.COALESCE_GOALS)
        for kv in r:
            ratio = int(kv["coalesced"]) / max(int(kv["direct"]), 1)
            body.append([kv["exit_ns"], kv["size"],
                         f"{kv['direct']} ({kv['direct_range']})",
                         f"{kv['coalesced']} ({kv['coalesced_range']})",
                         f"{1e9 / max(int(kv['direct']), 1):.0f} / "
                         f"{1e9 / max(int(kv['coalesced']), 1):.0f}",
                         f"{ratio:.2f}x",
                         f"{kv['hp_direct']} / {kv['hp_coalesced']}"])
            dat.setdefault(kv["size"], []).append(
                f"{int(kv['exit_ns']) / 1000:g} {kv['direct']} "
                f"{kv['direct_range'].replace('-', ' ')} {kv['coalesced']} "
                f"{kv['coalesced_range'].replace('-', ' ')}")
            goal = goals.get(kv["exit_ns"])
            if kv["size"] == "64" and goal:
                self.target(f"/dev/utmem 64 B PUTs coalesced vs direct, "
                            f"{int(kv['exit_ns']) // 1000} us host call "
                            f"(in-kernel, {where})", f">= {goal:.0f}x",
                            f"{ratio:.2f}x ({1e9 / int(kv['coalesced']):.0f}"
                            " ns per value)", ratio >= goal)
        self.table(["exit ns", "value B", "direct ops/s", "coalesced ops/s",
                    "ns per PUT direct / coalesced", "ratio",
                    "host PUTs direct / coalesced"], body)
        if "64" in dat:
            f = self.data(f"{png}.dat", dat["64"])
            self.histogram(f"{png}.png",
                           f"/dev/utmem: 64-byte PUTs per second (in-kernel, "
                           f"{where})",
                           "PUT ops/s (median, slowest-fastest)", f,
                           ["direct", "coalesced"],
                           "set xlabel 'host call cost (us)'")

    # --- /dev/utmem on the x86_64 guest (bench/dev.sh)
    def dev_x86(self):
        guest = lines(os.path.join(self.dir, "dev-guest.txt"))
        self.dev_kernel("dev-kernel.txt", "x86_64 guest", "dev-kernel")
        r = []
        for line in lines(os.path.join(self.dir, "dev-ioctl.txt")):
            f = line.replace("|", " ").replace("x ", " ").split()
            if len(f) >= 12 and all(x.replace(".", "").isdigit()
                                    for x in f[:12]):
                r.append(f)
        if not r:
            return
        self.out("## /dev/utmem from userspace (utmem_ioctl_bench, x86_64 "
                 "guest)")
        self.out()
        for line in guest:
            self.out(f"- {line}")
        self.out()
        self.out("PUT ops/s, median of 3 alternated rounds: single ioctls "
                 "and UTMEM_BATCH of 64, each without the coalescing "
                 "buffer (UTMEM_PUT_NOBUFFER) and with it. Coalescing's "
                 "gain from userspace: batch with the buffer against "
                 "batch without.")
        self.out()
        body = []
        goals = dict(self.COALESCE_GOALS)
        for f in r:
            ns, size = f[0], f[1]
            single, coal, batch, bcoal = (float(x) for x in f[3:7])
            gain = bcoal / batch if batch else 0
            body.append([ns, size, f"{single:.0f}", f"{coal:.0f}",
                         f"{batch:.0f}", f"{bcoal:.0f}", f"{gain:.2f}x",
                         f"{bcoal / single:.2f}x" if single else "-"])
            goal = goals.get(ns)
            if size == "64" and goal:
                self.target(f"/dev/utmem 64 B PUTs coalesced vs direct, "
                            f"{int(ns) // 1000} us host call (userspace, "
                            "UTMEM_BATCH)", f">= {goal:.0f}x",
                            f"{gain:.2f}x ({1e9 / bcoal:.0f} ns per value)",
                            gain >= goal)
        self.table(["exit ns", "value B", "single", "single+buffer",
                    "batch", "batch+buffer", "batch+buffer vs batch",
                    "batch+buffer vs single"], body)

    # --- Redis (bench/redis/run.sh)
    REDIS_CONFIGS = ("native", "frontswap", "utmem", "utmem-host")
    # What a cell's throughput is, per load generator: (column, title).
    REDIS_MEASURES = (("ops_s", "redis_bench 90% GET / 10% SET"),
                      ("bm_get_rps", "redis-benchmark GET"),
                      ("bm_set_rps", "redis-benchmark SET"))

    def redis(self):
        tsv = lines(os.path.join(self.dir, "redis.tsv"))
        if len(tsv) < 2:
            return
        head = tsv[0].split("\t")
        cells = {}      # (delay, size, fraction) -> config -> row dict
        for line in tsv[1:]:
            row = dict(zip(head, line.split("\t")))
            key = (int(row["delay_ms"]), int(row["size"]),
                   int(row["fraction"]))
            cells.setdefault(key, {})[row["config"]] = row
        for delay in sorted({k[0] for k in cells}):
            keys = sorted(k for k in cells if k[0] == delay)
            self.redis_disk(delay, keys, cells)

    @staticmethod
    def num(row, col):
        """A cell's figure, or None when it has none (a failed run)."""
        try:
            v = float(row.get(col, ""))
        except (TypeError, ValueError):
            return None
        return v if v > 0 or col.startswith(("host_", "demotions",
                                             "promotions")) else None

    def redis_disk(self, delay, keys, cells):
        any_row = next(iter(cells[keys[0]].values()))
        self.out(f"## Redis, swap disk delay {delay} ms "
                 "(bench/redis/run.sh, x86_64 guest)")
        self.out()
        self.out(f"A 4 KiB read of the swap disk measured "
                 f"{int(any_row['io_us']) / 1000:.1f} ms; the guest had "
                 f"{int(any_row['guest_kib']) // 1024} MiB available, the "
                 "data sets are that times the fraction. utmem: the "
                 "module as it loads by default (values in Redis memory "
                 "while the guest has room, ram_bytes auto; the rest on "
                 "the host), in transparent mode, the guest swapping "
                 "through frontswap as the suite ships; utmem-host: "
                 "ram_bytes 0, every value on the host, no frontswap (the "
                 "module before placement). Cells: ops/s (redis_bench: median of the "
                 "rounds, min-max), p50/p99 latency in ms.")
        self.out()
        self.redis_noise(keys, cells)
        for col, title in self.REDIS_MEASURES:
            self.redis_table(delay, keys, cells, col, title)
        self.redis_calls(keys, cells)
        for col, title in self.REDIS_MEASURES:
            self.redis_goals(keys, cells, col, title)
            self.redis_plot(delay, keys, cells, col, title)

    def redis_noise(self, keys, cells):
        """At 25% nothing swaps: native and frontswap are the same setup,
        and how far apart they measure is this run's noise."""
        same = []
        for col, title in self.REDIS_MEASURES:
            r = [self.redis_ratio(cells[k], col, "frontswap", "native")
                 for k in keys if k[2] == 25]
            r = [x for x in r if x is not None]
            if r:
                same.append(f"{title} {min(r):.2f}-{max(r):.2f}x")
        if same:
            self.out("Noise: at 25% nothing swaps, so frontswap and native "
                     "are the same setup; frontswap/native there measured "
                     + ", ".join(same) + ". A ratio within that span of "
                     "1.00x tells nothing.")
            self.out()

    def redis_cell(self, row, col):
        v = self.num(row, col) if row else None
        if v is None:
            return "-"
        if col == "ops_s":
            lat = f"{float(row['p50_us']) / 1000:.1f}/" \
                  f"{float(row['p99_us']) / 1000:.1f}"
            errs = " ERRORS" if row.get("errors") not in ("0", "") else ""
            return f"{v:.0f} ({float(row['ops_s_min']):.0f}-" \
                   f"{float(row['ops_s_max']):.0f}) {lat}{errs}"
        base = col[:-len("_rps")]
        return f"{v:.0f} {float(row[base + '_p50_ms']):.1f}/" \
               f"{float(row[base + '_p99_ms']):.1f}"

    def redis_ratio(self, cell, col, a, b):
        x = self.num(cell.get(a, {}), col)
        y = self.num(cell.get(b, {}), col)
        return x / y if x is not None and y else None

    def redis_table(self, delay, keys, cells, col, title):
        self.out(f"### {title}")
        self.out()
        body = []
        for k in keys:
            c = cells[k]
            ratios = [self.redis_ratio(c, col, "utmem", other)
                      for other in ("native", "frontswap")]
            body.append([f"{k[1] // 1024} KiB", f"{k[2]}%"] +
                        [self.redis_cell(c.get(n), col)
                         for n in self.REDIS_CONFIGS] +
                        [f"{r:.2f}x" if r else "-" for r in ratios])
        self.table(["value", "data set"] + list(self.REDIS_CONFIGS) +
                   ["utmem/native", "utmem/frontswap"], body)

    def redis_calls(self, keys, cells):
        """Host calls per request over redis_bench's run, and where the
        values were."""
        self.out("### Host calls per request (redis_bench's run)")
        self.out()
        self.out("Host GETs and PUTs the module's pool made, over the "
                 "commands the server processed while redis_bench ran; "
                 "moves: values the budget sent to the host and brought "
                 "back; swap-ins: pages the guest read from swap "
                 "(frontswap's count its pool's too).")
        self.out()
        body = []
        for k in keys:
            c = cells[k]
            row = [f"{k[1] // 1024} KiB", f"{k[2]}%"]
            for n in ("utmem", "utmem-host"):
                r = c.get(n, {})
                req = self.num(r, "requests")
                gets = self.num(r, "host_gets")
                puts = self.num(r, "host_puts")
                row.append(f"{(gets + puts) / req:.2f} ({gets / req:.2f} "
                           f"GET, {puts / req:.2f} PUT)"
                           if req and gets is not None and puts is not None
                           else "-")
            u = c.get("utmem", {})
            row.append(f"{u.get('demotions') or '-'} / "
                       f"{u.get('promotions') or '-'}")
            row.append(", ".join(c.get(n, {}).get("pswpin") or "-"
                                 for n in self.REDIS_CONFIGS))
            body.append(row)
        self.table(["value", "data set", "utmem", "utmem-host",
                    "utmem moves to host / back",
                    "swap-ins " + ", ".join(self.REDIS_CONFIGS)], body)

    def redis_goals(self, keys, cells, col, title):
        sizes = sorted({k[1] for k in keys})

        def worst(fracs, other):
            got = [(self.redis_ratio(cells[k], col, "utmem", other), k)
                   for k in keys if k[2] in fracs]
            got = [g for g in got if g[0] is not None]
            return min(got) if got else None

        for fracs, other, goal, what in (
                ((25,), "native", 0.95, "utmem vs native at 25%"),
                (tuple({k[2] for k in keys}), "frontswap", 1.0,
                 "utmem vs frontswap, every cell"),
                ((100, 110), "native", 3.0,
                 "utmem vs native at 100% and 110%")):
            w = worst(fracs, other)
            if w is None:
                continue
            per_size = []
            for size in sizes:
                s = [self.redis_ratio(cells[k], col, "utmem", other)
                     for k in keys if k[1] == size and k[2] in fracs]
                s = [x for x in s if x is not None]
                if s:
                    per_size.append(f"{size // 1024} KiB {min(s):.2f}x")
            self.target(f"Redis, {title}: {what}", f">= {goal:.2f}x",
                        f"lowest {w[0]:.2f}x ({w[1][1] // 1024} KiB, "
                        f"{w[1][2]}%); " + ", ".join(per_size),
                        w[0] >= goal)

    def redis_plot(self, delay, keys, cells, col, title):
        sizes = sorted({k[1] for k in keys})
        name = {"ops_s": "mix", "bm_get_rps": "get", "bm_set_rps": "set"}[col]
        png = f"redis-{name}-delay{delay}.png"
        # One data file, a block (gnuplot's index) per size and config.
        blocks, panels = [], []
        for size in sizes:
            plots = []
            for n in self.REDIS_CONFIGS:
                pts = []
                for k in keys:
                    r = cells[k].get(n)
                    v = self.num(r, col) if r and k[1] == size else None
                    if v is None:
                        continue
                    lo = self.num(r, "ops_s_min") if col == "ops_s" else v
                    hi = self.num(r, "ops_s_max") if col == "ops_s" else v
                    pts.append(f"{k[2]} {v:.0f} {lo:.0f} {hi:.0f}")
                if pts:
                    plots.append(f"'{{data}}' index {len(blocks)} using "
                                 f"1:2:3:4 with yerrorlines title '{n}'")
                    blocks.append("\n".join(pts))
            if plots:
                panels.append(f"set title '{size // 1024} KiB values'\n"
                              "plot " + ", ".join(plots))
        data = self.data(f"redis-{name}-delay{delay}.dat",
                         ["\n\n\n".join(blocks)])
        panels = [p.replace("{data}", data) for p in panels]
        self.plots.append((png, f"""
set terminal pngcairo noenhanced size 1200,900 font ',10'
set output '{png}'
set multiplot layout 2,2 title '{title}, 4 clients: ops/s (bars: min-max of the rounds); swap disk delay {delay} ms'
set xlabel 'data set (% of guest memory)'
set ylabel 'ops/s'
set key bottom left
set yrange [0:*]
set xrange [20:115]
""" + "\n".join(panels) + "\nunset multiplot\n"))

    # --- swap
    def swap(self):
        r = rows(os.path.join(self.dir, "swap.txt"))
        if not r:
            return
        names = {"disk": "(a) disk only", "zswap": "(b) zswap lz4",
                 "fs_raw": "(c) frontswap raw", "fs_lz4": "(d) frontswap lz4",
                 "fs_dedup": "(e) frontswap lz4+dedup"}
        order = list(names)
        runs = {}
        for disk, w, f, c, rnd, t, majflt, stores in r:
            runs.setdefault((disk, w, int(f)), {}).setdefault(c, []).append(
                (float(t), int(majflt)))
        self.out("## Swap workload (swap_stress in the small guest)")
        self.out()
        self.out("Run time in seconds, median of the rounds (min-max), and "
                 "median major faults; every page checked. Working set as a "
                 "multiple of the guest's available memory; seq: operations sweep the "
                 "set in order, random: random pages, mix: random pages, "
                 "half of them incompressible. Contenders run in turn in "
                 "each round, who goes first rotating.")
        self.out()
        body, dat = [], []
        all_vs_zswap, all_vs_disk = [], []
        for key in sorted(runs, key=lambda k: (k[0], ["seq", "random", "mix"].index(k[1]) if k[1] in ["seq", "random", "mix"] else 9, k[2])):
            disk, w, f = key
            cells = runs[key]
            med = {c: statistics.median(t for t, _ in v)
                   for c, v in cells.items()}
            row = [disk, w, f"{f / 10:.1f}x"]
            for c in order:
                v = cells.get(c)
                if not v:
                    row.append("-")
                    continue
                mf = statistics.median(m for _, m in v)
                row.append(fmt_spread([t for t, _ in v], " s") +
                           f", {mf:.0f} mf")
            if "fs_lz4" in med:
                if "disk" in med:
                    x = med["disk"] / med["fs_lz4"]
                    all_vs_disk.append((x, w, f))
                    row.append(f"{x:.1f}x")
                else:
                    row.append("-")
                if "zswap" in med:
                    x = med["zswap"] / med["fs_lz4"]
                    all_vs_zswap.append((x, w, f))
                    row.append(f"{x:.2f}x")
                else:
                    row.append("-")
            dat.append(f'"{w} {f / 10:.1f}x" ' + " ".join(
                "{:.2f} {:.2f} {:.2f}".format(*spread(
                    [t for t, _ in cells[c]]) if c in cells else (0, 0, 0))
                for c in order))
            body.append(row)
        self.table(["disk", "workload", "set"] + [names[c] for c in order] +
                   ["(d) vs (a)", "(d) vs (b)"], body)
        if all_vs_disk:
            lo = min(all_vs_disk)
            self.target("swap: frontswap lz4 vs disk swap (every workload)",
                        ">= 5x", f"{lo[0]:.1f}x at worst ({lo[1]} {lo[2] / 10:.1f}x), "
                        f"{max(all_vs_disk)[0]:.1f}x at best", lo[0] >= 5)
        if all_vs_zswap:
            lo = min(all_vs_zswap)
            self.target("swap: frontswap lz4 vs zswap lz4 (every workload)",
                        ">= 1x", f"{lo[0]:.2f}x at worst ({lo[1]} {lo[2] / 10:.1f}x), "
                        f"{max(all_vs_zswap)[0]:.2f}x at best", lo[0] >= 1)
        f = self.data("swap.dat", dat)
        self.histogram("swap.png",
                       "Swap workload: run time (median, min-max), "
                       "lower is better",
                       "seconds (log)", f, [names[c] for c in order],
                       "set logscale y\nset yrange [0.5:*]\nset xtics rotate by -20")

    # --- cleancache
    def cleancache(self):
        r = rows(os.path.join(self.dir, "cleancache.txt"))
        if not r:
            return
        p2 = {"0": [], "1": []}
        p1 = {"0": [], "1": []}
        for rnd, on, pas, sectors, secs in r:
            (p2 if pas == "2" else p1)[on].append((int(sectors), float(secs)))
        self.out("## Cleancache (re-reading a file set twice the guest's "
                 "available memory)")
        self.out()
        self.out("Sectors read from the disk and seconds, median of the "
                 "rounds (min-max); pass 2 re-reads the set after pass 1 "
                 "filled the page cache (and, when on, cleancache).")
        self.out()
        body = []
        for on in "0", "1":
            if not p2[on]:
                continue
            body.append([f"cleancache {'on' if on == '1' else 'off'}",
                         fmt_spread([s for s, _ in p1[on]], "", 0),
                         fmt_spread([t for _, t in p1[on]], " s"),
                         fmt_spread([s for s, _ in p2[on]], "", 0),
                         fmt_spread([t for _, t in p2[on]], " s")])
        self.table(["", "pass 1 sectors", "pass 1 time", "pass 2 sectors",
                    "pass 2 time"], body)
        if p2["0"] and p2["1"]:
            off = statistics.median(s for s, _ in p2["0"])
            on = statistics.median(s for s, _ in p2["1"])
            cut = 1 - on / off if off else 0
            t_off = statistics.median(t for _, t in p2["0"])
            t_on = statistics.median(t for _, t in p2["1"])
            self.target("cleancache: fewer disk reads on the re-read",
                        ">= 50%", f"{cut * 100:.0f}% ({off:.0f} -> {on:.0f} "
                        f"sectors; {t_off:.1f} -> {t_on:.1f} s)", cut >= 0.5)

    # --- capacity
    def capacity(self):
        r = rows(os.path.join(self.dir, "capacity.txt"))
        if not r:
            return
        self.out("## Capacity (binaries and kernel sources through cleancache, "
                 "a heap through frontswap)")
        self.out()
        mix = rows(os.path.join(self.dir, "mix.txt"))
        if mix:
            self.out("The page mix: " + ", ".join(
                f"{k.replace('_', ' ')}: {int(n)} files, "
                f"{int(b) / 1048576:.1f} MiB" for k, n, b in mix) +
                "; and the heap of a Python process that read the sources "
                "and counted their words (frontswap's share below).")
            self.out()
        self.out("Bytes the guests put against the bytes the host is "
                 "charged for them (stored: data after compression and "
                 "the host's records) and against all the memory it takes "
                 "for them (footprint: zsmalloc pages, slab and its "
                 "records). Same-filled: pages of one repeated word (zero "
                 "pages among them), stored as the word, of the PUTs made.")
        self.out()
        body = []
        # Every mode should store the same mix: one whose guest put much
        # less (its reclaim stopped short, or PUTs were refused and went
        # to the disk) is not compared with the target.
        full = max(int(x[1]) for x in r)
        for mode, raw, used, fp, pages, held, cur, *rest in r:
            raw, used, fp = int(raw), int(used), int(fp)
            users, same = rest[:4], rest[4:]
            x = raw / used if used else 0
            xf = raw / fp if fp else 0
            share = []
            for i in range(0, len(users) - 1, 2):
                u_raw, u_stored = int(users[i]), int(users[i + 1])
                share.append(f"{u_raw >> 20} MiB, {u_raw / u_stored:.2f}x"
                             if u_stored else "-")
            share += ["-"] * (2 - len(share))
            filled = "-"
            if len(same) == 2 and int(same[1]):
                filled = (f"{int(same[0])} of {int(same[1])} "
                          f"({int(same[0]) / int(same[1]):.1%})")
            whole = raw >= 0.95 * full
            body.append([mode if whole else f"{mode} (part of the mix)",
                         pages, f"{raw >> 20} MiB", f"{used >> 20} MiB",
                         f"{fp >> 20} MiB", f"{x:.2f}x", f"{xf:.2f}x"] +
                        share + [filled])
            if mode in ("lz4+dedup", "zstd+dedup"):
                self.target(f"capacity: {mode} on the page mix",
                            ">= 2.6x", f"{x:.2f}x of data ({xf:.2f}x of "
                            "footprint)" + ("" if whole else
                                            f"; only {raw >> 20} of "
                                            f"{full >> 20} MiB of the mix "
                                            "reached the host: not "
                                            "comparable"),
                            x >= 2.6 and whole)
        self.table(["mode", "pages", "put", "stored", "footprint",
                    "put/stored", "put/footprint",
                    "frontswap (heap): put, put/stored",
                    "cleancache (files): put, put/stored",
                    "same-filled"], body)

    def render(self):
        guest = []
        try:
            with open(os.path.join(self.dir, "guest.txt")) as f:
                guest = [line.rstrip() for line in f]
        except FileNotFoundError:
            pass
        body = []
        for sec in (self.page, self.scale, self.device, self.swap,
                    self.cleancache, self.capacity, self.compare,
                    self.dev_x86, self.redis):
            sec()
        body, self.md = self.md, []
        self.out("# utmem performance report")
        self.out()
        self.out("Measured in one boot of the benchmark guest (bench/run.sh):")
        self.out()
        for line in guest:
            self.out(f"- {line}")
        self.out()
        self.out("## Targets")
        self.out()
        self.table(["what", "target", "this run", "verdict"],
                   [[w, g, f, "met" if m else "MISSED"]
                    for w, g, f, m in self.targets])
        self.md += body
        made = self.make_plots()
        if made:
            self.out("## Plots")
            self.out()
            for png in made:
                self.out(f"![{png}]({png})")
            self.out()
        with open(os.path.join(self.dir, "report.md"), "w") as f:
            f.write("\n".join(self.md) + "\n")

    def make_plots(self):
        made = []
        for png, script in self.plots:
            full = ("set terminal pngcairo noenhanced size 900,520 font ',10'\n"
                    f"set output '{png}'\nset grid ytics\n" + script)
            # The script beside its plot, to redraw it there by hand.
            gp = png[:-len(".png")] + ".gp"
            with open(os.path.join(self.dir, gp), "w") as f:
                f.write(full)
            try:
                subprocess.run(["gnuplot", gp], cwd=self.dir, text=True,
                               check=True)
                made.append(png)
            except (OSError, subprocess.CalledProcessError) as e:
                print(f"report: no {png}: {e}", file=sys.stderr)
        return made

    def summary(self):
        w = max((len(t[0]) for t in self.targets), default=10)
        print(f"{'target':<{w}}  {'goal':<9} {'verdict':<7} this run")
        for what, goal, fig, met in self.targets:
            print(f"{what:<{w}}  {goal:<9} {'met' if met else 'MISSED':<7} {fig}")


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print("usage: bench/report.py RESULTS-DIRECTORY", file=sys.stderr)
        return 2
    rep = Report(sys.argv[1])
    rep.render()
    print(f"report: {os.path.join(sys.argv[1], 'report.md')}")
    rep.summary()
    return 0 if rep.targets else 1


if __name__ == "__main__":
    sys.exit(main())
