"""Unit conversions, in one place. The simulation clock is in hours; scenario fields
carry their unit in their name (``_s``, ``_min``, ``_h``, ``_days``, ``_m``, ``_km``)
and are converted with these constants where they are read."""

SECONDS_PER_HOUR = 3600.0
MINUTES_PER_HOUR = 60.0
HOURS_PER_DAY = 24.0
DAYS_PER_WEEK = 7
BUSINESS_DAYS_PER_WEEK = 5
