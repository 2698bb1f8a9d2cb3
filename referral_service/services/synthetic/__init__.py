"""`demo generate`: a realistic synthetic referral history for demos and benchmarks, written in bulk.

Going through the service functions one referral at a time would take hours for a million
referrals, so the generator writes the same rows those functions write (Task states from the
domain's lifecycle, the same event types, business statuses and offer, attendance and outcome
rows) in batches. Figures read from it behave like figures from real use.
"""
