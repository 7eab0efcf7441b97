# The table tools/bench/cpu_alexnet.sh prints from the JSON lines its runs left in one folder:
# graphrun*.jsonl (graphrun bench --json), the peers' <name>.jsonl (one line per way of running),
# <name>.rss (max RSS, KiB, by /usr/bin/time), peak.json (build/peak_flops --json) and the load
# average before and after.
# usage: /usr/bin/python3 report_peers.py FOLDER
import json, pathlib, sys

d = pathlib.Path(sys.argv[1])
peaks = json.loads((d / 'peak.json').read_text())
peak = peaks.get('fp32_gflops', 0)


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith('{')]


runs = {p.stem: lines(p) for p in sorted(d.glob('*.jsonl'), key=lambda p: (not p.stem.startswith('graphrun'), p.stem))}
ours = [r for name, rs in runs.items() if name.startswith('graphrun') for r in rs]
if not ours:
    sys.exit('no graphrun result')
gflop_per_image = ours[0]['gflop_per_image']  # graphrun's cost functions, the same network for every peer


def rss(name):
    path = d / f'{name}.rss'
    return f"{int(path.read_text().split()[-1]) / 1024:.0f} MiB" if path.exists() else '-'


first = ours[0]
print(f"{first['graph']} {first['mode']} at batch {first['batch']}, {first['steps']} timed steps; "
      f"{gflop_per_image:.3f} GFLOP per image (graphrun's count); fp32 peak {peak:.1f} GFLOP/s "
      f"(build/peak_flops, {peaks['cores']} cores, measured now)" +
      (f"; bf16 dot product peak {peaks['bf16_gflops']:.1f} GFLOP/s" if 'bf16_gflops' in peaks else ''))
for when in ('before', 'after'):
    print(f"load {when}: {(d / f'load_{when}').read_text().split('load average:')[-1].strip()}")
print(f"  {'who':<28} {'way':<14} {'img/s':>8} {'ms/step':>9} {'GFLOP/s':>8} {'of peak':>8} {'max RSS':>9}")
best = {}  # peer name -> its best result
for name, results in runs.items():
    for r in results:
        label = name if name.startswith('graphrun') else f"{name}: {r['peer']}"
        if r.get('layouts') == 'plain':
            label += ' (plain layouts)'
        if 'error' in r:
            print(f"  {label:<28} {r['variant']:<14} failed: {r['error']}")
            continue
        gflops = r['img_s'] * gflop_per_image
        print(f"  {label:<28} {r.get('variant', r.get('precision', '')):<14} {r['img_s']:8.2f} {r['ms_per_step']:9.1f} "
              f"{gflops:8.1f} {100 * gflops / peak if peak else 0:7.1f}% {rss(name):>9}")
        if not name.startswith('graphrun') and r['img_s'] > best.get(name, {'img_s': 0})['img_s']:
            best[name] = r
fp32 = next((r for r in ours if r.get('precision', 'fp32') == 'fp32' and r.get('layouts') != 'plain'), ours[0])
for r in ours:
    if r is fp32 or 'error' in r:
        continue
    if r.get('layouts') == 'plain':  # the before of the blocked-layout pass (runtime/passes/blocked_layout.h)
        print(f"graphrun fp32 / graphrun fp32 with plain layouts: {fp32['img_s'] / r['img_s']:.2f}x img/s")
    else:
        print(f"graphrun {r['precision']} / graphrun fp32: {r['img_s'] / fp32['img_s']:.2f}x img/s")
for name, r in sorted(best.items(), key=lambda item: -item[1]['img_s']):
    print(f"graphrun fp32 / {name} at its best ({r['peer']} {r['variant']}): {fp32['img_s'] / r['img_s']:.2f}x img/s")
if best:
    top = max(best.values(), key=lambda r: r['img_s'])
    print(f"graphrun fp32 / the best peer ({top['peer']} {top['variant']}): {fp32['img_s'] / top['img_s']:.2f}x img/s")
