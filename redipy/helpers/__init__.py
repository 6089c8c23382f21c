"""0.7.1's ``redipy.helpers``: small structures built on the typed API and scripts,
working on either backend (:mod:`.cache`, :mod:`.stack`; :mod:`.mavg` is empty, as it
was in 0.7.1)."""
