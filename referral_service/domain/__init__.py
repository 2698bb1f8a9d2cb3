"""The domain core: plain Python rules, states and value types. No Flask, SQL or FHIR library here."""
