"""The sharing pages: the agreement register and the report builder (`agreements`, `reports`),
extracts, the disclosure log and reach (`extracts`, `disclosures`, `reach`)."""
