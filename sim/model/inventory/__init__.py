"""Stock keeping: each site's stock of every SKU, re-stocked from a supplier.

- :mod:`~sim.model.inventory.ledger`: units on hand and the record of their moves;
- :mod:`~sim.model.inventory.backorders`: orders waiting for stock, first come first
  served per SKU;
- :mod:`~sim.model.inventory.policy`: continuous-review replenishment (sS, RQ);
- :mod:`~sim.model.inventory.stock`: :class:`Stock`, the three working together;
- :mod:`~sim.model.inventory.from_config`: a site's stock from the scenario.

The formulas (reorder points, expected daily demand) are in :mod:`sim.inventory_formulas`,
which the scenario loader uses too.
"""

from sim.inventory_formulas import (
    compound_poisson_daily,
    expected_daily_units,
    order_up_to_problems,
    reorder_point,
)
from sim.model.inventory.backorders import Backorder, OnFilled
from sim.model.inventory.from_config import stock_from_config
from sim.model.inventory.stock import Stock

__all__ = ["Backorder", "OnFilled", "Stock", "compound_poisson_daily", "expected_daily_units",
           "order_up_to_problems", "reorder_point", "stock_from_config"]
