"""The /fhir view functions, one module per resource or operation; importing one registers its routes.

Parsing, checking and rendering live beside this package (intake, referrals, render, …), with no views.
"""
