"""The three capitals (三资: 资金、资产、资源) in the open — "咱厝家底".

A village's funds ledger (entries never edited, corrected by reversing
entries), its monthly close and publication, statements, the asset and
resource registers, leases and contracts, and the warnings computed from them.
"""
