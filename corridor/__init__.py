"""corridor: logistics corridors across the China-DPRK-Russia border around Hunchun.

The public API, in the order a notebook uses it:

>>> import corridor
>>> net = corridor.build_network("tumen")                      # snapshot, or OSM after `corridor fetch`
>>> r = corridor.reach(net, ["park-hbecz"], bands=[2, 4, 8])    # GeoDataFrames: r.polygons, r.places
>>> c = corridor.compare(net, "park-hbecz", "port-busan")       # GeoDataFrame: c.routes
>>> closed = corridor.apply_scenario(net, corridor.Scenario(close=("quanhe-wonjong",)))
>>> int(c.routes.iloc[0]["rank"])
1

Maps: ``corridor.maps.network_map(net)``, ``reach_map(r)``, ``compare_map(c)``.
"""

from corridor.errors import InputError, NoRouteError, RegistryError
from corridor.network import CorridorNetwork, apply_scenario, build, build_network
from corridor.reach import ReachResult, reach
from corridor.registry import load_registry
from corridor.routes import Comparison, compare, compare_scenarios
from corridor.scenario import Scenario, load_scenario
from corridor.settings import DEFAULTS, Settings, load_profile

__all__ = [
    "build_network", "build", "apply_scenario", "CorridorNetwork",
    "reach", "ReachResult", "compare", "compare_scenarios", "Comparison",
    "Scenario", "load_scenario", "load_registry", "Settings", "DEFAULTS", "load_profile",
    "InputError", "NoRouteError", "RegistryError",
]
__version__ = "0.1.0"
