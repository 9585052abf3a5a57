"""Appeals and grievances (42 CFR 422.629-422.634, 423.568-423.572): clocks and plan classification - the pure rules core."""
