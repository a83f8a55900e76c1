"""Buildings, premises and leases from a CSV or XLSX file (docs/places.md, "Import").

reading: the file as numbered rows; checking: what each row would do, or why it cannot;
applying: all of it in one transaction; staging: the file kept between preview and import.
"""
