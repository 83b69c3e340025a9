"""The omalizumab labels as data: dosing tables, limits and the checks every answer passes.

Domain package (numpy/stdlib only). Data files in ``optimizer/label/data`` carry their sources.
"""
