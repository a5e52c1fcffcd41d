"""The supervision dashboard (数据看板) and open data (开放数据).

Every domain declares its ``Figure``s and ``ExportTable``s; this package
precomputes the figures per unit (``precompute``), shows them per unit
(``views``), answers ``/api/v1/stats`` and builds the signed open-data
export (``export``).
"""
