"""Regenerates generated-solves.json: equilibria of the idealized model (spec section 1) solved
the reference code's way (scipy least_squares, bounds = held range, tolerances 1e-15), for random
gate vectors uniform in [1, 5.5] on both presets, free and clamped phases. Run:
    python3 Tests/CLLNTests/Fixtures/generate_solves.py
Cases whose KCL residual stays above 1e-13 (least_squares' false successes, spec section 3) are
re-solved from other starting points until they pass."""
import json
import numpy as np
from scipy.optimize import least_squares

VT, FLOOR = 0.7, 1e-5

def lattice():
    edges = []
    for node in range(16):
        r, c = divmod(node, 4)
        edges.append((node, 4 * ((r + 1) % 4) + c))
        edges.append((node, 4 * r + (c + 1) % 4))
    return 16, edges, [0, 2, 8, 10], [5, 7, 13, 15], [[1,0,1,0],[0,1,1,0],[1,0,0,1],[0,1,0,1]]

def dense():
    layers, offsets = [6, 4, 4, 1], [0, 6, 10, 14, 15]
    edges = [(u, v) for l in range(3) for u in range(offsets[l], offsets[l+1]) for v in range(offsets[l+1], offsets[l+2])]
    states = [[(s % 3) / 2, (s // 3) / 2, 0, 1, 0.5, 0, 0] for s in range(9)]
    return 15, edges, [0, 1, 2, 3, 4, 5, 14], [10, 11, 12, 13], states

def residual(v, gates, edges, free):
    r = np.zeros(len(v))
    for (a, b), u in zip(edges, gates):
        i = max(u - VT - (v[a] + v[b]) / 2, FLOOR) * (v[a] - v[b])
        r[a] += i
        r[b] -= i
    return r[free]

def solve(n, edges, gates, held, values, rng):
    free = [i for i in range(n) if i not in held]
    lo, hi = min(values), max(values)
    def full(x):
        v = np.zeros(n); v[held] = values; v[free] = x; return v
    for attempt in range(50):
        x0 = rng.uniform(lo, hi, len(free)) if attempt else np.full(len(free), (lo + hi) / 2)
        sol = least_squares(lambda x: residual(full(x), gates, edges, free), x0, bounds=(lo, hi),
                            xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=10000)
        v = full(sol.x)
        if np.max(np.abs(residual(v, gates, edges, free))) < 1e-13:
            return v
    raise RuntimeError("no convergence")

rng = np.random.default_rng(20261124)
cases = []
for preset, build in (("four-state", lattice), ("navigation", dense)):
    n, edges, inputs, outputs, states = build()
    for k in range(12):
        gates = rng.uniform(1.0, 5.5, len(edges))
        s = int(rng.integers(len(states)))
        held, values = list(inputs), list(map(float, states[s]))
        phase = "free"
        if k % 2:
            phase = "clamped"
            held += outputs
            values += list(rng.uniform(min(values), max(values), len(outputs)))
        v = solve(n, edges, gates, held, values, rng)
        cases.append({"preset": preset, "phase": phase, "state": s, "held_nodes": held, "held_values": values,
                      "gates": gates.tolist(), "voltages": v.tolist()})
with open(__file__.replace("generate_solves.py", "generated-solves.json"), "w") as f:
    json.dump({"about": __doc__.strip(), "cases": cases}, f, indent=1)
print(len(cases), "cases")
