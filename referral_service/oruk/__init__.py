"""A public, read-only Open Referral UK feed (the ORUK profile of HSDS 3.0) under /oruk/."""
