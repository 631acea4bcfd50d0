"""Final dose calculation: commissionable beam models and a heterogeneity-correct engine."""
