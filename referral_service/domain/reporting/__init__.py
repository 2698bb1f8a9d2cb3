"""Commissioner reports in the domain: what each figure means, and the suppressed tables built from raw counts.

Persistence hands raw aggregates in (counts by equity dimension, day-count histograms); this
package defines every stage and measure, takes percentiles, and applies small-number
suppression before anything leaves the domain.
"""
