"""Graph → arrays once; single- and multi-source Dijkstra with cut-offs; paths.

:class:`Engine` compiles a corridor graph (or any graph with per-edge
weights) into CSR arrays for one metric and one set of modes, then answers
shortest-path queries with SciPy's compiled Dijkstra. Route-choice penalties
(``penalty_s``) steer the search, but the times and costs the engine reports
are the sums of the real edge values along the chosen paths.

Engines are cached per network, scenario, metric and modes
(:func:`engine_for`): building one is the expensive part, a query is cheap.

Examples
--------
>>> from corridor.network import build_network
>>> eng = engine_for(build_network("tumen"), metric="time")
>>> res = eng.search(["park-hbecz"], limit_s=4 * 3600)
>>> res.time_s(0, "town-hunchun") < 3600
True
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Sequence

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridor.errors import InputError

METRICS = ("time", "cost")
ALL_MODES = ("road", "rail", "sea")
#: SciPy's csgraph takes explicit zeros in a sparse matrix as zero-weight edges,
#: so zero weights stay zero (no lifting: distances match NetworkX exactly)
_NO_PRED = -9999


def validate_modes(modes: Iterable[str]) -> tuple[str, ...]:
    """The modes, checked: InputError naming the valid ones otherwise.

    Examples
    --------
    >>> validate_modes(["rail", "road"])
    ('rail', 'road')
    """
    return tuple(sorted(_allowed_layers(modes) - {"place"}))


def _allowed_layers(modes: Iterable[str]) -> set[str]:
    modes = set(modes)
    bad = modes - set(ALL_MODES)
    if bad:
        raise InputError(f"unknown mode {', '.join(sorted(bad))}; valid: {', '.join(ALL_MODES)}")
    if not modes:
        raise InputError(f"no modes given; valid: {', '.join(ALL_MODES)}")
    return modes | {"place"}


class Engine:
    """CSR arrays of one graph for one metric and one set of modes.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A corridor graph (edges with ``travel_time``, ``cost_usd_t``,
        ``length``, ``penalty_s``, ``status``; nodes with ``layer``). Graphs
        without ``layer``/``status`` (plain OSMnx graphs) work too: every
        node and edge counts.
    metric : {"time", "cost"}
        What the search minimises: seconds, or USD per tonne.
    modes : sequence of str
        Which carrier networks may be used (``road``, ``rail``, ``sea``).
    penalty_cost_per_s : float
        USD/t per second of penalty when ``metric="cost"``.
    weight : str, optional
        Search on this edge attribute alone instead (for plain graphs).
    """

    def __init__(self, graph: nx.MultiDiGraph, metric: str = "time", modes: Sequence[str] = ALL_MODES,
                 penalty_cost_per_s: float = 1.0 / 3600.0, weight: str | None = None):
        if metric not in METRICS:
            raise InputError(f"unknown metric {metric!r}; valid: {', '.join(METRICS)}")
        self.metric = metric
        self.modes = tuple(sorted(set(modes)))
        layers = _allowed_layers(modes)
        nodes = [n for n, d in graph.nodes(data=True) if d.get("layer", "place") in layers]
        self.nodes: list[Hashable] = nodes
        self.index: dict[Hashable, int] = {n: i for i, n in enumerate(nodes)}
        n = len(nodes)
        us, vs, w, t, c, L, ekeys = [], [], [], [], [], [], []
        idx = self.index
        for u, v, k, d in graph.edges(keys=True, data=True):
            if d.get("status", "open") != "open":
                continue
            iu, iv = idx.get(u), idx.get(v)
            if iu is None or iv is None:
                continue
            tt = float(d.get("travel_time", 0.0))
            cc = float(d.get("cost_usd_t", 0.0))
            pen = float(d.get("penalty_s", 0.0))
            if weight is not None:
                ww = float(d.get(weight, 0.0))
            elif metric == "time":
                ww = tt + pen
            else:
                ww = cc + pen * penalty_cost_per_s
            us.append(iu)
            vs.append(iv)
            w.append(ww)
            t.append(tt)
            c.append(cc)
            L.append(float(d.get("length", 0.0)))
            ekeys.append((u, v, k))
        self._init_arrays(n, np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64),
                          np.asarray(w, dtype=float), np.asarray(t, dtype=float), np.asarray(c, dtype=float),
                          np.asarray(L, dtype=float), ekeys)

    @classmethod
    def from_arrays(cls, n: int, u: np.ndarray, v: np.ndarray, weight: np.ndarray,
                    time_s: np.ndarray | None = None, cost: np.ndarray | None = None,
                    length: np.ndarray | None = None) -> "Engine":
        """An engine straight from edge arrays (no NetworkX graph), e.g. a 560k-node world graph.

        Examples
        --------
        >>> import numpy as np
        >>> e = Engine.from_arrays(3, np.array([0, 1]), np.array([1, 2]), np.array([5.0, 7.0]))
        >>> e.search([0]).dist[0].tolist()
        [0.0, 5.0, 12.0]
        """
        self = cls.__new__(cls)
        self.metric = "time"
        self.modes = ALL_MODES
        self.nodes = list(range(n))
        self.index = _IdentityIndex(n)
        weight = np.asarray(weight, dtype=float)
        z = np.zeros_like(weight)
        self._init_arrays(n, np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64), weight,
                          weight if time_s is None else np.asarray(time_s, float), z if cost is None else np.asarray(cost, float),
                          z if length is None else np.asarray(length, float), None)
        return self

    def _init_arrays(self, n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, t: np.ndarray, c: np.ndarray,
                     L: np.ndarray, ekeys: list | None) -> None:
        # keep the lightest edge per (u, v): a CSR matrix would add parallel edges up
        order = np.lexsort((w, v, u))
        u, v, w, t, c, L = u[order], v[order], w[order], t[order], c[order], L[order]
        first = np.ones(len(u), dtype=bool)
        if len(u):
            first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        self.u, self.v, self.w = u[first], v[first], w[first]
        self.t, self.c, self.L = t[first], c[first], L[first]
        self.edge_keys = [ekeys[i] for i in order[first]] if ekeys is not None else None
        self.n = n
        self.keys = self.u * n + self.v
        self.csr = csr_matrix((self.w, (self.u, self.v)), shape=(n, n))
        self.csr.sort_indices()
        # position in self.* arrays of each CSR entry (both are sorted by (u, v))
        self.has_penalty = bool(np.any(self.w - (self.t if self.metric == "time" else self.c) > 1e-9))
        self._rev: csr_matrix | None = None

    # ------------------------------------------------------------------ queries
    def idx(self, node: Hashable) -> int:
        try:
            return self.index[node]
        except KeyError:
            raise InputError(f"{node!r} is not in the network for modes {', '.join(self.modes)}") from None

    def search(self, sources: Sequence[Hashable], limit: float = np.inf, limit_s: float | None = None,
               reverse: bool = False, min_only: bool = False,
               blocked: Sequence[int] | None = None) -> "SearchResult":
        """Dijkstra from each source (one row each) up to ``limit`` search weight.

        ``limit_s`` is an alias of ``limit`` for time engines. ``reverse``
        searches the reversed graph (distances *to* the sources).
        ``min_only`` gives one row: the nearest source for every node.
        ``blocked`` lists edge positions this search may not use.
        """
        if limit_s is not None:
            limit = limit_s
        src = np.array([self.idx(s) for s in sources], dtype=np.int64)
        g = self.csr
        if blocked is not None and len(blocked):
            g = self.csr.copy()  # the data array is in edge-array order: block by position
            g.data[np.asarray(blocked, dtype=np.int64)] = np.inf
            if reverse:
                g = g.T.tocsr()
        elif reverse:
            if self._rev is None:
                self._rev = self.csr.T.tocsr()
            g = self._rev
        if min_only:
            dist, pred, origin = dijkstra(g, directed=True, indices=src, limit=limit, return_predecessors=True,
                                          min_only=True)
            return SearchResult(self, src, dist[None, :], pred[None, :], reverse, origin=origin)
        dist, pred = dijkstra(g, directed=True, indices=src, limit=limit, return_predecessors=True)
        return SearchResult(self, src, np.atleast_2d(dist), np.atleast_2d(pred), reverse)

    def edge_position(self, iu: int, iv: int) -> int:
        """Position in the edge arrays of the (deduplicated) edge iu → iv."""
        j = int(np.searchsorted(self.keys, iu * self.n + iv))
        if j >= len(self.keys) or self.keys[j] != iu * self.n + iv:
            raise KeyError((iu, iv))
        return j


class _IdentityIndex(dict):
    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def get(self, key, default=None):  # noqa: D401
        return key if isinstance(key, (int, np.integer)) and 0 <= key < self.n else default

    def __getitem__(self, key):
        v = self.get(key)
        if v is None:
            raise KeyError(key)
        return v


@dataclass
class SearchResult:
    """Distances and predecessor trees of one search (one row per source)."""

    engine: Engine
    sources: np.ndarray
    dist: np.ndarray
    pred: np.ndarray
    reverse: bool
    origin: np.ndarray | None = None

    def _row(self, row: int | Hashable) -> int:
        return row if isinstance(row, (int, np.integer)) else list(self.sources).index(self.engine.idx(row))

    def path_positions(self, row: int, target: Hashable) -> list[int] | None:
        """Edge-array positions along the path from the row's source to ``target`` (None: unreachable)."""
        e = self.engine
        it = e.idx(target)
        if not np.isfinite(self.dist[row, it]):
            return None
        pos = []
        cur = it
        pred = self.pred[row]
        while pred[cur] != _NO_PRED:
            p = int(pred[cur])
            # predecessors of a reverse search point toward the source along reversed edges
            pos.append(e.edge_position(cur, p) if self.reverse else e.edge_position(p, cur))
            cur = p
        return pos if self.reverse else pos[::-1]

    def path_nodes(self, row: int, target: Hashable) -> list[Hashable] | None:
        pos = self.path_positions(row, target)
        if pos is None:
            return None
        e = self.engine
        if not pos:
            return [target]
        return [e.nodes[e.u[pos[0]]]] + [e.nodes[e.v[p]] for p in pos]

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Real time (s) and cost (USD/t) to every node along the chosen paths (inf: unreached).

        Penalties are excluded: values are summed over the tree's edges.
        """
        e = self.engine
        k, n = self.dist.shape
        T = np.full((k, n), np.inf)
        C = np.full((k, n), np.inf)
        for r in range(k):
            reached = np.flatnonzero(np.isfinite(self.dist[r]))
            pred = self.pred[r, reached]
            has = pred != _NO_PRED
            tt = np.zeros(len(reached))
            cc = np.zeros(len(reached))
            if has.any():
                a, b = (reached[has], pred[has]) if self.reverse else (pred[has], reached[has])
                pos = _positions(e, a, b)
                tt[has], cc[has] = e.t[pos], e.c[pos]
            # pointer doubling: add each ancestor's value until the roots
            local = np.full(n, -1, dtype=np.int64)
            local[reached] = np.arange(len(reached))
            anc = np.where(has, local[np.where(has, pred, 0)], -1)
            while (anc >= 0).any():
                m = anc >= 0
                tt[m] += tt[anc[m]]
                cc[m] += cc[anc[m]]
                nxt = np.full_like(anc, -1)
                nxt[m] = anc[anc[m]]
                anc = nxt
            T[r, reached], C[r, reached] = tt, cc
        return T, C

    def within(self, thresholds: Sequence[float]) -> list[list[np.ndarray]]:
        """Node indices within each threshold of search weight, per row.

        One pass over all nodes per row finds those under the largest
        threshold; the smaller bands are cut from that short list.

        Examples
        --------
        >>> e = Engine.from_arrays(3, np.array([0, 1]), np.array([1, 2]), np.array([5.0, 7.0]))
        >>> [b.tolist() for b in e.search([0]).within([6, 20])[0]]
        [[0, 1], [0, 1, 2]]
        """
        ths = np.sort(np.asarray(thresholds, dtype=float))
        out = []
        for row in self.dist:
            idx = np.flatnonzero(row <= ths[-1])  # the one pass over every node
            d = row[idx]
            out.append([idx[d <= t] for t in ths[:-1]] + [idx])
        return out

    def time_s(self, row: int | Hashable, target: Hashable) -> float:
        """Real travel time (s) from the row's source to ``target``."""
        pos = self.path_positions(self._row(row), target)
        return float("inf") if pos is None else float(self.engine.t[pos].sum())

    def cost(self, row: int | Hashable, target: Hashable) -> float:
        """Real cost (USD/t) from the row's source to ``target``."""
        pos = self.path_positions(self._row(row), target)
        return float("inf") if pos is None else float(self.engine.c[pos].sum())


def _positions(e: Engine, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Vectorised edge positions of edges a[i] → b[i] (edges are sorted by (u, v))."""
    return np.searchsorted(e.keys, a.astype(np.int64) * e.n + b.astype(np.int64))


_CACHE: "weakref.WeakKeyDictionary[nx.MultiDiGraph, dict]" = weakref.WeakKeyDictionary()


def engine_for(net: Any, metric: str = "time", modes: Sequence[str] = ALL_MODES) -> Engine:
    """The cached engine of a :class:`~corridor.network.CorridorNetwork` (or a graph).

    One engine per graph (a scenario's network has its own graph), metric and
    set of modes; built once, reused by every query.
    """
    graph = getattr(net, "graph", net)
    s = getattr(net, "settings", None)
    per_h = s.penalty_usd_t_per_h if s is not None else 1.0
    key = (metric, tuple(sorted(set(modes))), per_h)
    cache = _CACHE.setdefault(graph, {})
    if key not in cache:
        cache[key] = Engine(graph, metric=metric, modes=modes, penalty_cost_per_s=per_h / 3600.0)
    return cache[key]


def edge_data(engine: Engine, graph: nx.MultiDiGraph, positions: Sequence[int]) -> list[dict[str, Any]]:
    """The graph's attribute dicts of the edges at these engine positions."""
    if engine.edge_keys is None:
        raise ValueError("engine was built from arrays, not a graph")
    return [graph.edges[engine.edge_keys[p]] for p in positions]
