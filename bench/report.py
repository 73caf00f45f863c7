"""Turns bench/run's figures into bench/results.md: each figure, the peer's beside it, the ratio
and PERF.md's bar, then the details of each benchmark."""


def g(d, *path, default=None):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return default
        d = d[p]
    return d


def f(x, fmt="{:,.1f}", none="n/a"):
    if x is None:
        return none
    try:
        return fmt.format(x)
    except (TypeError, ValueError):
        return str(x)


def ms(us):
    return None if us is None else us / 1000.0


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def le(a, b):
    return None if a is None or b is None else a <= b


def ratio(a, b):
    return None if not a or not b else a / b


def render(R, failed, smoke):
    m = R.get("machine", {})
    base = R.get("baseline", {})
    ping1 = g(base, "ping", 1, "p99_ms")
    out = []
    w = out.append
    w("# Switchboard benchmark results")
    w("")
    if smoke:
        w("**Smoke run: tiny counts; the figures mean nothing.**")
        w("")
    w(f"Run with `bench/run` on {m.get('date')} at commit {m.get('commit')}. "
      "Bars are from PERF.md. Figures are from this one run: CPU times come from the server "
      "process' own counters (/proc), latencies from the load generator's histograms, measured "
      "from each message's scheduled send time (open loop).")
    w("")
    w("## Machine")
    w("")
    w(f"- {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory')}; {m.get('os')}, "
      f"kernel {m.get('kernel')}")
    w(f"- {m.get('redis')} on a unix socket, AOF `everysec`; Node.js {m.get('node')} (the peer)")
    w(f"- open files (hard limit, cannot be raised here): {m.get('open_files'):,}"
      if isinstance(m.get("open_files"), int) else "- open files: ?")
    w(f"- `redis-cli --intrinsic-latency {base.get('intrinsic_s')}` before the load: max "
      f"{f(base.get('intrinsic_max_us'), '{:,}')} us, average "
      f"{f(base.get('intrinsic_avg_us'), '{:.3f}')} us (the VM's own stalls)")
    for c in (1, 50):
        p = g(base, "ping", c)
        if p:
            w(f"- Redis PING (`redis-benchmark -t ping_mbulk -c {c}`): {f(p['rps'], '{:,.0f}')}/s, "
              f"p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, max {p['max_ms']} ms")
    w("")

    # -- the summary table ----------------------------------------------------------------
    rows = []
    sb = g(R, "relay", "switchboard")
    pe = g(R, "relay", "peer")
    cpu_sb = g(sb, "fixed", "usage", "server", "cpu_us_per_msg")
    cpu_pe = g(pe, "fixed", "usage", "server", "cpu_us_per_msg")
    rows.append(("relay cost: server CPU per message at 10,000 msg/s", f(cpu_sb, "{:.1f} us"),
                 f(cpu_pe, "{:.1f} us"), f(ratio(cpu_sb, cpu_pe), "{:.2f}"),
                 "<= 15 us and <= 1/3 of the peer",
                 verdict(None if cpu_sb is None else (cpu_sb <= 15 and (cpu_pe is None or cpu_sb <= cpu_pe / 3)))))
    sat_sb = g(sb, "saturation", "window", "delivered_per_s")
    sat_pe = g(pe, "saturation", "window", "delivered_per_s")
    rows.append(("relay throughput at saturation (delivered/s)", f(sat_sb, "{:,.0f}"),
                 f(sat_pe, "{:,.0f}"), f(ratio(sat_sb, sat_pe), "{:.2f}"),
                 "report both; moonshot >= 50,000/s", verdict(None if sat_sb is None else sat_sb >= 50000)))
    cpu_sat_sb = g(sb, "saturation", "usage", "server", "cpu_us_per_msg")
    cpu_sat_pe = g(pe, "saturation", "usage", "server", "cpu_us_per_msg")
    rows.append(("relay cost at saturation: server CPU per message", f(cpu_sat_sb, "{:.1f} us"),
                 f(cpu_sat_pe, "{:.1f} us"), f(ratio(cpu_sat_sb, cpu_sat_pe), "{:.2f}"),
                 "<= 15 us and <= 1/3 of the peer",
                 verdict(None if cpu_sat_sb is None else (cpu_sat_sb <= 15 and (cpu_sat_pe is None or cpu_sat_sb <= cpu_sat_pe / 3)))))
    p50_sb = ms(g(sb, "fixed", "latency_us", "p50"))
    p50_pe = ms(g(pe, "fixed", "latency_us", "p50"))
    rows.append(("relay latency p50 at 10,000 msg/s", f(p50_sb, "{:.3f} ms"), f(p50_pe, "{:.3f} ms"),
                 f(ratio(p50_sb, p50_pe), "{:.2f}"), "<= 0.5 ms", verdict(le(p50_sb, 0.5))))
    p99_sb = ms(g(sb, "fixed", "latency_us", "p99"))
    p99_pe = ms(g(pe, "fixed", "latency_us", "p99"))
    bar99 = None if ping1 is None else 3 * ping1
    ok99 = None if p99_sb is None else (le(p99_sb, bar99) is not False and le(p99_sb, p99_pe) is not False)
    rows.append(("relay latency p99 at 10,000 msg/s", f(p99_sb, "{:.3f} ms"), f(p99_pe, "{:.3f} ms"),
                 f(ratio(p99_sb, p99_pe), "{:.2f}"),
                 f"<= 3 x Redis PING p99 ({f(bar99, '{:.3f}')} ms) and <= the peer's", verdict(ok99)))
    p999_sb = ms(g(sb, "fixed", "latency_us", "p999"))
    p999_pe = ms(g(pe, "fixed", "latency_us", "p999"))
    rows.append(("relay latency p99.9 at 10,000 msg/s", f(p999_sb, "{:.3f} ms"), f(p999_pe, "{:.3f} ms"),
                 f(ratio(p999_sb, p999_pe), "{:.2f}"), "(report)", ""))
    idle = R.get("idle")
    held = g(idle, "counts", "established")
    if held is None:
        held = g(idle, "established")
    per_conn = g(idle, "server", "rss_bytes_per_connection")
    if per_conn is None:
        per_conn = g(idle, "rss_bytes_per_connection")
    rows.append((f"idle connections held (pings every {g(idle, '_ping_interval_s')} s, "
                 f"{f(g(idle, 'hold_s'), '{:.0f}')} s)", f(held, "{:,}"), "", "",
                 ">= 100,000 on one process", verdict(None if held is None else held >= 100000)))
    pings, pongs = g(idle, "_sb_pings_sent_total"), g(idle, "_sb_pongs_received_total")
    rows.append(("keepalive during the hold: pings sent / pongs received (server's counters)",
                 f"{f(pings, '{:,.0f}')} / {f(pongs, '{:,.0f}')}", "", "", "all answered (the last round may be in flight)",
                 verdict(None if not pings else pongs >= pings * 0.99)))
    rows.append(("server memory per idle connection", f(per_conn, "{:,.0f} bytes"), "", "",
                 "<= 4 KB", verdict(None if per_conn is None else per_conn <= 4096)))
    rt = g(R, "routing", "rows") or []
    by = {r["agents"]: r for r in rt}
    r5k = by.get(5000)
    rows.append(("routing engine alone, 5,000 agents (routed contacts/s)",
                 f(r5k and r5k["routed_per_s"], "{:,}"), "", "", ">= 100,000/s",
                 verdict(None if not r5k else r5k["routed_per_s"] >= 100000)))
    if rt:
        lo, hi = rt[0], rt[-1]
        growth = hi["ns_per_routed"] / lo["ns_per_routed"] if lo["ns_per_routed"] else None
        rows.append((f"routing cost growth, {lo['agents']:,} to {hi['agents']:,} agents",
                     f(growth, "{:.2f}x"), "", "", "< 2x",
                     verdict(None if growth is None or hi["agents"] < 50000 else growth < 2)))
    off = R.get("offer")
    o50 = ms(g(off, "offer_latency_us", "p50"))
    o99 = ms(g(off, "offer_latency_us", "p99"))
    rows.append(("offer latency p50 (contact arrives -> offer at the agent)", f(o50, "{:.3f} ms"), "", "",
                 "<= 0.5 ms", verdict(le(o50, 0.5))))
    rows.append(("offer latency p99", f(o99, "{:.3f} ms"), "", "", "<= 2 ms", verdict(le(o99, 2.0))))
    rs = R.get("restart")
    rows.append((f"restart to ready ({f(g(rs, 'conversations'), '{:,}')} conversations, "
                 f"{f(g(rs, 'agents'), '{:,}')} agents)", f(g(rs, "ready_s"), "{:.2f} s"), "", "",
                 "<= 2 s", verdict(None if not rs else rs["ready_s"] <= 2)))
    st = g(rs, "storm", "time_to_all_resumed_s")
    rows.append((f"reconnect storm: all {f(g(rs, 'storm', 'clients'), '{:,}')} clients resumed",
                 f(st, "{:.2f} s"), "", "", "<= 10 s", verdict(None if st is None else st <= 10)))

    w("## Summary")
    w("")
    w("| benchmark | Switchboard | Node.js peer | ratio | bar | |")
    w("|---|---:|---:|---:|---|---|")
    for r in rows:
        w("| " + " | ".join(r) + " |")
    w("")
    if failed:
        w("## Benchmarks that failed to run")
        w("")
        for name, why in failed:
            w(f"- **{name}**: {why.splitlines()[0] if why else ''}")
        w("")

    # -- details ----------------------------------------------------------------------------
    w("## Details")
    w("")
    if sb or pe:
        w("### Chat relay")
        w("")
        w("Customers in answered chats send messages to their agents through the real protocol; every "
          "message is de-duplicated, sequenced and appended to the conversation's log in Redis by one "
          "script call (`conv_append.lua`, pipelined), acknowledged to the sender and delivered to the agent. "
          "Latency is the agent's receipt minus the scheduled send time; ack latency the sender's reply "
          "minus the same.")
        w("")
        w("| run | server | offered/s | delivered/s | server CPU/msg | Redis CPU/msg | generator CPU/msg | p50 | p99 | p99.9 | max | ack p99 | lost | dup |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for who, d in (("Switchboard", sb), ("peer", pe)):
            for run in ("fixed", "saturation"):
                x = g(d, run)
                if not x:
                    continue
                lat = g(x, "latency_us") or {}
                w(f"| {run} | {who} | {f(g(x, 'window', 'sent_per_s'), '{:,.0f}')} | {f(g(x, 'window', 'delivered_per_s'), '{:,.0f}')} | "
                  f"{f(g(x, 'usage', 'server', 'cpu_us_per_msg'), '{:.1f} us')} | "
                  f"{f(g(x, 'usage', 'redis', 'cpu_us_per_msg'), '{:.1f} us')} | "
                  f"{f(g(x, 'usage', 'generator', 'cpu_us_per_msg'), '{:.1f} us')} | "
                  f"{f(ms(lat.get('p50')), '{:.3f}')} | {f(ms(lat.get('p99')), '{:.3f}')} | "
                  f"{f(ms(lat.get('p999')), '{:.3f}')} | {f(ms(lat.get('max')), '{:.3f}')} | "
                  f"{f(ms(g(x, 'ack_latency_us', 'p99')), '{:.3f}')} | "
                  f"{f(g(x, 'counts', 'undelivered'), '{:,}')} | {f(g(x, 'counts', 'duplicates'), '{:,}')} |")
        w("")
        w("Latencies in milliseconds. The relay runs in rounds that alternate the two servers, each run on a "
          "fresh server and Redis; the table shows the run of median server CPU per message (fixed "
          "rate) and of median throughput (saturation). Every run:")
        w("")
        for who, d in (("Switchboard", sb), ("peer", pe)):
            fr = g(d, "fixed_runs") or []
            sr = g(d, "saturation_runs") or []
            if fr:
                w(f"- {who}, fixed rate: server CPU per message "
                  + ", ".join(f(x.get("cpu_us_per_msg"), "{:.1f}") for x in fr) + " us; p99 "
                  + ", ".join(f(ms(x.get("p99_us")), "{:.2f}") for x in fr) + " ms")
            if sr:
                w(f"- {who}, saturation: "
                  + ", ".join(f(x.get("delivered_per_s"), "{:,.0f}") for x in sr) + " msg/s at "
                  + ", ".join(f(x.get("cpu_us_per_msg"), "{:.1f}") for x in sr) + " us per message")
        w("")
    if off:
        w("### Offer latency")
        w("")
        w(f"Contacts arrive open loop at {f(g(off, 'rate'), '{:,.0f}')}/s to {f(g(off, 'agents'), '{:,}')} "
          "available agents; each arrival is a new customer connection's `contact.request`; the agent "
          "accepts, ends and wraps up at once. Latency: arrival's scheduled time to the `offer` frame at "
          "the agent, the Redis commit included.")
        w("")
        lat = g(off, "offer_latency_us") or {}
        w(f"- offers: {f(lat.get('count'), '{:,}')}; p50 {f(ms(lat.get('p50')), '{:.3f}')} ms, p99 "
          f"{f(ms(lat.get('p99')), '{:.3f}')} ms, p99.9 {f(ms(lat.get('p999')), '{:.3f}')} ms, max "
          f"{f(ms(lat.get('max')), '{:.3f}')} ms")
        w(f"- server CPU per contact (arrive, offer, accept, end, wrap-up): "
          f"{f(g(off, 'usage', 'server', 'cpu_us_per_contact'), '{:.1f} us')}")
        w("")
    if rt:
        w("### Routing engine alone (`route_bench`)")
        w("")
        w("```")
        w(g(R, "routing", "text").strip())
        w("```")
        w("")
    if idle:
        w("### Idle connections")
        w("")
        w(f"Wanted {f(idle.get('_wanted'), '{:,}')} customer connections (hello, then silence) with "
          f"server pings every {idle.get('_ping_interval_s')} s, held {f(g(idle, 'hold_s'), '{:.0f}')} s; "
          f"the hard open-files limit on this machine is {f(idle.get('_hard_limit'), '{:,}')} per "
          "process and cannot be raised without CAP_SYS_RESOURCE, which caps what one process can "
          "hold here whatever its memory.")
        w("")
        ch = g(idle, "connect_to_hello_us") or {}
        srv = g(idle, "server") or {}
        w(f"- established {f(g(idle, 'established'), '{:,}')}, refused {f(g(idle, 'refused'), '{:,}')}, "
          f"closed by the server during the hold {f(g(idle, 'closed_during_hold'), '{:,}')}, open at the "
          f"end {f(g(idle, 'open_at_end'), '{:,}')}; over {f(g(idle, 'source_addresses'), '{}')} source "
          f"addresses, connected in {f(g(idle, 'connect_phase_s'), '{:.1f}')} s")
        w(f"- keepalive while held (the server's counters): {f(idle.get('_sb_pings_sent_total'), '{:,.0f}')} "
          f"pings sent, {f(idle.get('_sb_pongs_received_total'), '{:,.0f}')} pongs received")
        w(f"- server memory: {f(srv.get('rss_kb_before'), '{:,}')} KiB before the first connection, "
          f"{f(srv.get('rss_kb_connected'), '{:,}')} KiB with all connected, "
          f"{f(srv.get('rss_kb_end'), '{:,}')} KiB at the end: "
          f"{f(srv.get('rss_bytes_per_connection'), '{:,.0f}')} bytes per connection")
        w(f"- connect to hello reply: p50 {f(ms(ch.get('p50')), '{:.2f}')} ms, p99 "
          f"{f(ms(ch.get('p99')), '{:.2f}')} ms (the connect phase, not a bar)")
        w("")
    if rs:
        w("### Restart and reconnect storm")
        w("")
        w(f"{f(g(rs, 'conversations'), '{:,}')} live conversations and {f(g(rs, 'agents'), '{:,}')} agents in "
          "Redis: real chats made through the protocol (storm's first phase), topped up with copies of one of "
          "them (`bench/seed.lua`: half assigned to the other agents, up to their 10 slots, the rest "
          "queued). The server is stopped and a new one started on the same Redis, three times; ready is "
          "`/readyz` answering 200, timed from the exec (the median is reported). Then every saved "
          "customer reconnects within the jitter "
          "window and resumes with its token; the server caps upgrades per second and turns away the "
          "excess with 4013 (try again later), which the clients retry with backoff.")
        w("")
        runs = ", ".join(f"{x:.3f}" for x in (g(rs, "ready_runs_s") or []))
        w(f"- ready after {f(g(rs, 'ready_s'), '{:.3f}')} s (median of three restarts: {runs} s); "
          f"server log: `{g(rs, 'loaded_log')}`")
        sto = g(rs, "storm") or {}
        w(f"- storm: {f(g(sto, 'clients'), '{:,}')} clients, all resumed: {g(sto, 'all_resumed')}, "
          f"in {f(g(sto, 'time_to_all_resumed_s'), '{:.2f}')} s; retries {f(g(sto, 'counts', 'retries') or g(sto, 'retries'), '{:,}')} "
          f"({g(sto, 'retries_by_close_code')})")
        w("")
    import os
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    if os.path.exists(notes):
        w(open(notes).read().rstrip())
    return "\n".join(out) + "\n"
