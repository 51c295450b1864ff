"""Every write to the sharing models (invariant 1): one module per part.

- `agreements`: the register of data sharing agreements (R-SHARE-1).
- `reports`: aggregate reports through the cube and disclosure control, saved report
  specifications and the scheduled governance reports (R-SHARE-2, R-SHARE-7).
- `extracts`, `disclosures`: record-level extracts and the disclosure log pages (R-SHARE-3..5).
"""
