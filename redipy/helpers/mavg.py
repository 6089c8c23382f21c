"""0.7.1's ``redipy.helpers.mavg``: a moving average module that 0.7.1 shipped without
any code. Kept so that ``import redipy.helpers.mavg`` works; it defines nothing."""
